// Internal: what the stores share — the RocksDB handle, column families,
// the retention state, and Status → storage_errc translation.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "prescient/storage/db.hpp"
#include "prescient/storage/errc.hpp"
#include "prescient/storage/write_batch.hpp"

namespace prescient::storage {

struct write_batch::impl {
  rocksdb::WriteBatch batch;
};

namespace detail {

/// Column families, in the order they are opened.
enum cf : size_t { cf_default, cf_series, cf_shardlog, cf_profile, cf_ledger,
                   cf_count };

extern const char* const cf_names[cf_count];

/// A stand-in handle that carries only the family id and comparator. Batches
/// are built with these, so building a batch never touches the live DB (and
/// stays safe after close(), when db::write reports `closed`).
class cf_id_handle final : public rocksdb::ColumnFamilyHandle {
public:
  cf_id_handle() = default;
  void init(uint32_t id, std::string name);
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override;
  const rocksdb::Comparator* GetComparator() const override;

private:
  uint32_t id_ = 0;
  std::string name_;
};

/// Retention state read by the compaction filter on background threads.
struct retention_state {
  std::atomic<int64_t> watermark_us{0};
  int64_t retention_us[activity_class_count] = {0, 0, 0};
};

struct db_core {
  db_options opts;
  std::shared_ptr<retention_state> retention;
  std::unique_ptr<rocksdb::DB> rdb;
  rocksdb::ColumnFamilyHandle* handles[cf_count] = {};
  cf_id_handle ids[cf_count];
  rocksdb::WriteOptions write_opts;
  std::atomic<bool> closed{false};

  rocksdb::ColumnFamilyHandle* live(cf c) const { return handles[c]; }
  rocksdb::ColumnFamilyHandle* id(cf c) { return &ids[c]; }
};

/// Maps a non-OK status; `what` names the operation.
caf::error to_error(const rocksdb::Status& st, std::string_view what);

inline caf::error closed_error(std::string_view what) {
  return make_error(storage_errc::closed, std::string{what});
}

inline rocksdb::Slice to_slice(std::string_view s) {
  return {s.data(), s.size()};
}

inline std::string_view to_view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

} // namespace detail
} // namespace prescient::storage
