// Profile blobs in the `profile` column family, opaque to storage: per user
// the profile state and, under its own key, the prediction model (written
// and evicted from memory on a different schedule than the state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace prescient::storage {

namespace detail {
struct db_core;
} // namespace detail

class write_batch;

/// Which blob of a user: the profile state, or its prediction model.
enum class profile_part : uint8_t { state, model };

/// Key: u16 BE length + tenant, u16 BE length + user (the same prefix as the
/// user's series keys); the model's key appends one byte. Point lookups use
/// a whole-key bloom filter.
/// Thread-safe.
class profile_store {
public:
  explicit profile_store(detail::db_core& core) : core_(&core) {
    // nop
  }

  void put(write_batch& batch, std::string_view tenant, std::string_view user,
           std::string_view blob, profile_part part = profile_part::state);

  /// Erases both parts.
  void erase(write_batch& batch, std::string_view tenant,
             std::string_view user);

  /// The blob, or nullopt if the user has none.
  [[nodiscard]] caf::expected<std::optional<std::string>>
  get(std::string_view tenant, std::string_view user,
      profile_part part = profile_part::state);

private:
  detail::db_core* core_;
};

} // namespace prescient::storage
