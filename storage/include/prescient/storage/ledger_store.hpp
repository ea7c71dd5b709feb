// The brokers' reserve ledger (holds and instances) in the `ledger` column
// family, so a restarted broker reconciles with its provider. Keys and
// values are opaque; brokers choose prefixes (e.g. data center id) to scan.
#pragma once

#include <functional>
#include <string_view>

#include <caf/error.hpp>

namespace prescient::storage {

namespace detail {
struct db_core;
} // namespace detail

class write_batch;

/// Thread-safe.
class ledger_store {
public:
  explicit ledger_store(detail::db_core& core) : core_(&core) {
    // nop
  }

  void put(write_batch& batch, std::string_view key, std::string_view value);

  void erase(write_batch& batch, std::string_view key);

  /// Calls `fn` for every entry whose key starts with `prefix` (all entries
  /// for an empty prefix), in byte order. Views are valid only during the
  /// call.
  [[nodiscard]] caf::error
  scan(std::string_view prefix,
       const std::function<void(std::string_view key, std::string_view value)>&
         fn);

private:
  detail::db_core* core_;
};

} // namespace prescient::storage
