// The per-device time series of every user, stored as compressed chunks
// (chunk.hpp) in the `series` column family.
//
// Key: u16 BE length + tenant, u16 BE length + user, u16 BE length + device,
// bucket start (8 B big-endian, sign bit flipped so negative times sort
// first), chunk sequence number (4 B big-endian). All chunks of one user are
// therefore contiguous (erase_user is one DeleteRange), a device's chunks are
// in time order, and a range query seeks straight to its first bucket.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "prescient/storage/chunk.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::storage {

namespace detail {
struct db_core;
} // namespace detail

class write_batch;

/// Where a chunk lives. Several chunks of one bucket coexist under different
/// `seq` (e.g. a builder persisted and restarted to bound memory, or a
/// restarted profile that does not want to rewrite the previous chunk).
struct chunk_key {
  std::string tenant;
  std::string user;
  std::string device;
  int64_t bucket_start_us = 0; ///< a multiple of bucket_duration_us
  uint32_t seq = 0;
};

/// Thread-safe (reads see the latest written state); owned by db.
class time_series {
public:
  explicit time_series(detail::db_core& core) : core_(&core) {
    // nop
  }

  /// Adds a put of the builder's current chunk under `key` to the batch;
  /// overwrites an earlier version of the same key. REQUIRES: ids at most
  /// 65535 bytes; key.bucket_start_us == chunk.bucket_start_us().
  void put(write_batch& batch, const chunk_key& key,
           const chunk_builder& chunk);

  /// The same for the encoded bytes of a chunk (chunk_builder::encoded()),
  /// kept elsewhere until the write.
  void put(write_batch& batch, const chunk_key& key, std::string_view encoded);

  /// Events with from_us <= time_us < to_us of one user, optionally of one
  /// device, ordered by (device name, time_us); ties keep storage order. Seeks to
  /// the first bucket of every device instead of scanning the user.
  /// The stored bytes of exactly one chunk, or nullopt if there is none
  /// (never written, erased, or dropped by retention). A profile uses it to
  /// reopen the chunk it was appending to before passivation or a crash.
  [[nodiscard]] caf::expected<std::optional<std::string>>
  get(const chunk_key& key);

  [[nodiscard]] caf::expected<std::vector<usage_event>>
  range(std::string_view tenant, std::string_view user, int64_t from_us,
        int64_t to_us, std::optional<std::string_view> device = {});

  /// Number of stored events of the user (reads chunk headers only).
  [[nodiscard]] caf::expected<uint64_t> count_events(std::string_view tenant,
                                                     std::string_view user);

  /// Devices with at least one chunk, sorted by name. One seek per device.
  [[nodiscard]] caf::expected<std::vector<std::string>>
  devices(std::string_view tenant, std::string_view user);

  /// Calls `fn(tenant, user)` once for every user with at least one chunk,
  /// by (tenant, user) key order, until it returns false. One seek per user
  /// (the user's chunks are skipped, not read): for background readers such
  /// as the model trainer, not for the ingest path. Views are valid only
  /// during the call.
  [[nodiscard]] caf::error
  for_each_user(const std::function<bool(std::string_view tenant,
                                         std::string_view user)>& fn);

private:
  detail::db_core* core_;
};

} // namespace prescient::storage
