// The node's one RocksDB database and the stores on top of it.
//
// Column families: `series` (time-series chunks), `shardlog` (per-shard
// ingest write-ahead records), `profile` (profile blobs), `ledger` (broker
// reserve ledger) and `default` (meta: the event-time watermark; learned
// model versions, see model_store.hpp).
//
// Durability: the WAL is always on. After write() returns, the batch
// survives a crash of the process (kill -9) even with sync = false, since
// the WAL is in the OS page cache; surviving power loss or a kernel crash
// needs sync = true (fsync per write, much slower).
//
// Retention: a compaction filter on `series` drops a chunk once every event
// it can hold is older than the watermark minus its class's retention, i.e.
// bucket_start + bucket_duration + retention_us[class] <= watermark. Space
// comes back as compactions run; compact_all() forces it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "prescient/storage/activity_class.hpp"
#include "prescient/storage/errc.hpp"
#include "prescient/storage/ledger_store.hpp"
#include "prescient/storage/model_store.hpp"
#include "prescient/storage/profile_store.hpp"
#include "prescient/storage/shard_log.hpp"
#include "prescient/storage/time_series.hpp"
#include "prescient/storage/write_batch.hpp"

namespace prescient::storage {

constexpr int64_t day_us = int64_t{24} * 3600 * 1'000'000;

struct db_options {
  /// Directory of the database; created if missing. Required.
  std::string path;
  /// fsync the WAL on every write (power-loss durability). Default: false.
  bool sync = false;
  /// Retention of series chunks per activity_class (indexed by its value).
  /// Default: frequent 90 d, regular 30 d, occasional 7 d.
  int64_t retention_us[activity_class_count] = {90 * day_us, 30 * day_us,
                                                7 * day_us};
  /// Memtable size of `series`; the other families use a quarter (they are
  /// small). Default: 64 MiB.
  size_t write_buffer_bytes = size_t{64} << 20;
};

/// Owns the RocksDB handle. All members are thread-safe except close() and
/// destruction, which must not overlap other calls.
class db {
public:
  /// Opens or creates the database; restores the persisted watermark.
  [[nodiscard]] static caf::expected<std::unique_ptr<db>>
  open(const db_options& opts);

  /// Flushes and closes (see close()); errors are dropped here.
  ~db();

  db(const db&) = delete;
  db& operator=(const db&) = delete;

  /// Applies the batch atomically (WAL first) and clears nothing: the
  /// caller clears or drops the batch. closed after close().
  [[nodiscard]] caf::error write(write_batch& batch);

  /// Sets the node's event-time watermark (µs) that retention compares
  /// against. Stored in memory at once; persisted by flush(), compact_all()
  /// and close(), so a restart keeps the last persisted value.
  void set_event_time(int64_t time_us) noexcept;

  /// The current watermark; 0 if never set.
  int64_t event_time() const noexcept;

  /// Total size of live SST files of all column families (memtables and WAL
  /// not included; flush() first to count recent writes).
  uint64_t live_bytes();

  /// SST bytes of the `series` family only.
  uint64_t series_bytes();

  /// Estimated number of profile blobs (RocksDB's estimate-num-keys).
  uint64_t estimate_profiles();

  /// Persists the watermark and flushes every memtable to SST files.
  [[nodiscard]] caf::error flush();

  /// flush(), then a full compaction of every family, which also applies
  /// retention to all of `series`. Expensive: for tests, tools, and quiet
  /// hours.
  [[nodiscard]] caf::error compact_all();

  /// Deletes every chunk of the user (one range tombstone over the user's
  /// key prefix) and the profile blob, atomically; reads no longer see them
  /// once this returns. Shard-log records are not touched (truncated by
  /// their owner after the next checkpoint).
  [[nodiscard]] caf::error erase_user(std::string_view tenant,
                                      std::string_view user);

  /// Persists the watermark, flushes, and closes. Afterwards every call
  /// returns storage_errc::closed (and reads return it in expected<>).
  /// Idempotent.
  [[nodiscard]] caf::error close();

  time_series& series() noexcept {
    return series_;
  }

  shard_log& log() noexcept {
    return log_;
  }

  profile_store& profiles() noexcept {
    return profiles_;
  }

  ledger_store& ledger() noexcept {
    return ledger_;
  }

  model_store& models() noexcept {
    return models_;
  }

private:
  explicit db(std::unique_ptr<detail::db_core> core);

  std::unique_ptr<detail::db_core> core_;
  time_series series_;
  shard_log log_;
  profile_store profiles_;
  ledger_store ledger_;
  model_store models_;
};

} // namespace prescient::storage
