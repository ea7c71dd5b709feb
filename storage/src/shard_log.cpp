#include "prescient/storage/shard_log.hpp"

#include "db_core.hpp"
#include "keys.hpp"

namespace prescient::storage {

using namespace detail;

namespace {

/// Just past the shard's largest possible key (shard, 2^64-1): keeps the
/// iterator inside the shard even for shard 0xFFFF.
std::string shard_end(uint16_t shard) {
  auto k = shard_key(shard, UINT64_MAX);
  k.push_back('\0');
  return k;
}

uint64_t seq_of(const rocksdb::Slice& key) {
  uint64_t x = 0;
  for (size_t i = 2; i < 10 && i < key.size(); ++i)
    x = (x << 8) | static_cast<uint8_t>(key[i]);
  return x;
}

} // namespace

void shard_log::append(write_batch& batch, uint16_t shard, uint64_t seq,
                       std::string_view record) {
  batch.native().batch.Put(core_->id(cf_shardlog), shard_key(shard, seq),
                           to_slice(record));
}

void shard_log::truncate(write_batch& batch, uint16_t shard,
                         uint64_t up_to_inclusive) {
  auto end = shard_key(shard, up_to_inclusive);
  end.push_back('\0'); // DeleteRange's end is exclusive
  batch.native().batch.DeleteRange(core_->id(cf_shardlog), shard_key(shard, 0),
                                   end);
}

caf::expected<uint64_t> shard_log::last_seq(uint16_t shard) {
  if (core_->closed)
    return closed_error("shard_log::last_seq");
  auto lower = shard_key(shard, 0);
  auto upper = shard_end(shard);
  rocksdb::Slice lo{lower}, up{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lo;
  ro.iterate_upper_bound = &up;
  std::unique_ptr<rocksdb::Iterator> it{
    core_->rdb->NewIterator(ro, core_->live(cf_shardlog))};
  it->SeekToLast();
  if (!it->status().ok())
    return to_error(it->status(), "shard_log::last_seq");
  return it->Valid() ? seq_of(it->key()) : uint64_t{0};
}

caf::error shard_log::replay(
  uint16_t shard, uint64_t after_seq,
  const std::function<void(uint64_t, std::string_view)>& fn) {
  if (core_->closed)
    return closed_error("shard_log::replay");
  if (after_seq == UINT64_MAX)
    return {};
  auto upper = shard_end(shard);
  rocksdb::Slice up{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &up;
  // Replay reads everything once; keep it from evicting hot blocks.
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it{
    core_->rdb->NewIterator(ro, core_->live(cf_shardlog))};
  for (it->Seek(shard_key(shard, after_seq + 1)); it->Valid(); it->Next())
    fn(seq_of(it->key()), to_view(it->value()));
  if (!it->status().ok())
    return to_error(it->status(), "shard_log::replay");
  return {};
}

} // namespace prescient::storage
