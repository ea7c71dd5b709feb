#include "prescient/storage/db.hpp"


#include "chunk_format.hpp"
#include "db_core.hpp"
#include "keys.hpp"
#include "options.hpp"

namespace prescient::storage {

using namespace detail;

namespace {

constexpr std::string_view watermark_key = "meta/event_time_watermark";

caf::error persist_watermark(db_core& c) {
  char buf[8];
  store_le(buf, static_cast<uint64_t>(c.retention->watermark_us.load()), 8);
  auto st = c.rdb->Put(c.write_opts, c.live(cf_default),
                       to_slice(watermark_key), rocksdb::Slice{buf, 8});
  return st.ok() ? caf::error{} : to_error(st, "persist watermark");
}

} // namespace

caf::expected<std::unique_ptr<db>> db::open(const db_options& opts) {
  if (opts.path.empty())
    return make_error(storage_errc::invalid_argument, "db::open: empty path");
  for (auto r : opts.retention_us)
    if (r < 0)
      return make_error(storage_errc::invalid_argument,
                        "db::open: negative retention");
  auto core = std::make_unique<db_core>();
  core->opts = opts;
  core->retention = std::make_shared<retention_state>();
  for (int i = 0; i < activity_class_count; ++i)
    core->retention->retention_us[i] = opts.retention_us[i];
  core->write_opts.sync = opts.sync;
  core->write_opts.disableWAL = false;
  auto tuned = make_options(opts, core->retention);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(tuned.db, opts.path, tuned.families, &handles,
                              &raw);
  if (!st.ok())
    return to_error(st, "db::open " + opts.path);
  core->rdb.reset(raw);
  for (size_t i = 0; i < cf_count; ++i) {
    core->handles[i] = handles[i];
    core->ids[i].init(handles[i]->GetID(), cf_names[i]);
  }
  std::string wm;
  st = core->rdb->Get(rocksdb::ReadOptions{}, core->live(cf_default),
                      to_slice(watermark_key), &wm);
  if (st.ok() && wm.size() == 8)
    core->retention->watermark_us = static_cast<int64_t>(load_le(wm.data(), 8));
  else if (!st.ok() && !st.IsNotFound())
    return to_error(st, "db::open: read watermark");
  return std::unique_ptr<db>{new db(std::move(core))};
}

db::db(std::unique_ptr<db_core> core)
  : core_(std::move(core)),
    series_(*core_),
    log_(*core_),
    profiles_(*core_),
    ledger_(*core_),
    models_(*core_) {
  // nop
}

db::~db() {
  [[maybe_unused]] auto err = close();
}

caf::error db::close() {
  auto& c = *core_;
  if (c.closed.exchange(true))
    return {};
  // Persist and flush so a restart neither replays the whole WAL nor loses
  // the watermark; then release handles before the DB, as RocksDB requires.
  auto err = persist_watermark(c);
  rocksdb::FlushOptions fo;
  fo.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all(c.handles,
                                                c.handles + cf_count);
  auto st = c.rdb->Flush(fo, all);
  if (!err && !st.ok())
    err = to_error(st, "db::close: flush");
  for (auto*& h : c.handles) {
    c.rdb->DestroyColumnFamilyHandle(h);
    h = nullptr;
  }
  st = c.rdb->Close();
  if (!err && !st.ok())
    err = to_error(st, "db::close");
  c.rdb.reset();
  return err;
}

caf::error db::write(write_batch& batch) {
  if (core_->closed)
    return closed_error("db::write");
  auto st = core_->rdb->Write(core_->write_opts, &batch.native().batch);
  return st.ok() ? caf::error{} : to_error(st, "db::write");
}

void db::set_event_time(int64_t time_us) noexcept {
  core_->retention->watermark_us.store(time_us, std::memory_order_relaxed);
}

int64_t db::event_time() const noexcept {
  return core_->retention->watermark_us.load(std::memory_order_relaxed);
}

uint64_t db::live_bytes() {
  uint64_t n = 0;
  if (core_->closed
      || !core_->rdb->GetAggregatedIntProperty("rocksdb.total-sst-files-size",
                                               &n))
    return 0;
  return n;
}

uint64_t db::series_bytes() {
  uint64_t n = 0;
  if (core_->closed
      || !core_->rdb->GetIntProperty(core_->live(cf_series),
                                     "rocksdb.total-sst-files-size", &n))
    return 0;
  return n;
}

uint64_t db::estimate_profiles() {
  uint64_t n = 0;
  if (core_->closed
      || !core_->rdb->GetIntProperty(core_->live(cf_profile),
                                     "rocksdb.estimate-num-keys", &n))
    return 0;
  return n;
}

caf::error db::flush() {
  auto& c = *core_;
  if (c.closed)
    return closed_error("db::flush");
  if (auto err = persist_watermark(c))
    return err;
  rocksdb::FlushOptions fo;
  fo.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all(c.handles,
                                                c.handles + cf_count);
  auto st = c.rdb->Flush(fo, all);
  return st.ok() ? caf::error{} : to_error(st, "db::flush");
}

caf::error db::compact_all() {
  if (auto err = flush())
    return err;
  rocksdb::CompactRangeOptions co;
  // Rewrite the last level too: that is where old chunks live, and only a
  // compaction runs the retention filter over them.
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  co.change_level = false;
  for (auto* h : core_->handles) {
    auto st = core_->rdb->CompactRange(co, h, nullptr, nullptr);
    if (!st.ok())
      return to_error(st, std::string{"db::compact_all "} + h->GetName());
  }
  return {};
}

caf::error db::erase_user(std::string_view tenant, std::string_view user) {
  auto& c = *core_;
  if (c.closed)
    return closed_error("db::erase_user");
  auto from = user_prefix(tenant, user);
  auto to = prefix_successor(from);
  rocksdb::WriteBatch b;
  // One range tombstone: reads stop seeing the chunks at once, space comes
  // back when compaction reaches them.
  auto st = b.DeleteRange(c.live(cf_series), from, to);
  if (st.ok()) // the state and the model blob (both start with the prefix)
    st = b.DeleteRange(c.live(cf_profile), from, to);
  if (st.ok())
    st = c.rdb->Write(c.write_opts, &b);
  return st.ok() ? caf::error{} : to_error(st, "db::erase_user");
}

} // namespace prescient::storage
