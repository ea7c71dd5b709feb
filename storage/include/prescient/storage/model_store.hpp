// Versioned blobs of learned models (weights + vocabulary, opaque to
// storage) and a per-tenant version counter, in the `default` column family
// beside the node's meta keys.
//
// Keys: "model/" + u16 BE length + tenant + version (8 B big-endian), so a
// tenant's versions are contiguous and in increasing order;
// "modelseq/" + tenant -> the last version handed out (8 B little-endian).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace prescient::storage {

namespace detail {
struct db_core;
} // namespace detail

class write_batch;

/// Thread-safe.
class model_store {
public:
  explicit model_store(detail::db_core& core) : core_(&core) {
    // nop
  }

  void put(write_batch& batch, std::string_view tenant, uint64_t version,
           std::string_view blob);

  void erase(write_batch& batch, std::string_view tenant, uint64_t version);

  /// Calls `fn` for every stored blob, by tenant (byte order), then version
  /// (increasing). Views are valid only during the call. A key that does not
  /// parse is reported as corruption after the scan completes (the other
  /// entries are still delivered).
  [[nodiscard]] caf::error
  scan(const std::function<void(std::string_view tenant, uint64_t version,
                                std::string_view blob)>& fn);

  /// Records `version` as the tenant's last handed-out version.
  void set_last_version(write_batch& batch, std::string_view tenant,
                        uint64_t version);

  /// The tenant's last handed-out version; 0 if none.
  [[nodiscard]] caf::expected<uint64_t> last_version(std::string_view tenant);

private:
  detail::db_core* core_;
};

} // namespace prescient::storage
