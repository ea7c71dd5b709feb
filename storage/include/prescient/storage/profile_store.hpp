// Profile state blobs (model snapshots) in the `profile` column family, one
// per user; opaque to storage.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace prescient::storage {

namespace detail {
struct db_core;
} // namespace detail

class write_batch;

/// Key: u16 BE length + tenant, u16 BE length + user (the same prefix as the
/// user's series keys). Point lookups use a whole-key bloom filter.
/// Thread-safe.
class profile_store {
public:
  explicit profile_store(detail::db_core& core) : core_(&core) {
    // nop
  }

  void put(write_batch& batch, std::string_view tenant, std::string_view user,
           std::string_view blob);

  void erase(write_batch& batch, std::string_view tenant,
             std::string_view user);

  /// The blob, or nullopt if the user has none.
  [[nodiscard]] caf::expected<std::optional<std::string>>
  get(std::string_view tenant, std::string_view user);

private:
  detail::db_core* core_;
};

} // namespace prescient::storage
