// Per-shard write-ahead records of the ingest path, in the `shardlog`
// column family. A shard owner appends each accepted batch before it
// acknowledges, truncates once the effects are checkpointed, and replays the
// rest after a restart. Records are opaque bytes to storage.
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

/// Key: shard (2 B big-endian) + seq (8 B big-endian). Thread-safe.
class shard_log {
public:
  explicit shard_log(detail::db_core& core) : core_(&core) {
    // nop
  }

  /// Adds the record under (shard, seq); REQUIRES seq >= 1 (0 means "none"
  /// in last_seq), and seqs increasing per shard for replay order to match.
  void append(write_batch& batch, uint16_t shard, uint64_t seq,
              std::string_view record);

  /// Deletes every record of the shard with seq <= up_to_inclusive (one
  /// range tombstone, cheap whatever the count).
  void truncate(write_batch& batch, uint16_t shard, uint64_t up_to_inclusive);

  /// Highest stored seq of the shard; 0 if it has none (also after a full
  /// truncate, so owners needing monotonic seqs keep their own counter).
  [[nodiscard]] caf::expected<uint64_t> last_seq(uint16_t shard);

  /// Calls `fn` for each record with seq > after_seq, in seq order. The
  /// record view is valid only during the call.
  [[nodiscard]] caf::error
  replay(uint16_t shard, uint64_t after_seq,
         const std::function<void(uint64_t seq, std::string_view record)>& fn);

private:
  detail::db_core* core_;
};

} // namespace prescient::storage
