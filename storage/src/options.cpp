#include "options.hpp"

#include <algorithm>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "keys.hpp"
#include "retention.hpp"

namespace prescient::storage::detail {

const char* const cf_names[cf_count] = {"default", "series", "shardlog",
                                        "profile", "ledger"};

namespace {

bool supported(rocksdb::CompressionType t) {
  auto all = rocksdb::GetSupportedCompressions();
  return std::find(all.begin(), all.end(), t) != all.end();
}

rocksdb::ColumnFamilyOptions base_cf(size_t write_buffer,
                                     const std::shared_ptr<rocksdb::Cache>& cache,
                                     bool bloom, bool whole_key) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = write_buffer;
  // Levels sized from the bottom: ~90 % of data in the last level, so space
  // amplification stays near 1.1 whatever the database size.
  cf.level_compaction_dynamic_level_bytes = true;
  // Opaque blobs compress well; LZ4 is cheap on the write path and ZSTD
  // pays off on the last level, which holds almost everything.
  cf.compression = supported(rocksdb::kLZ4Compression)
                     ? rocksdb::kLZ4Compression
                     : rocksdb::kNoCompression;
  cf.bottommost_compression = supported(rocksdb::kZSTD)
                                ? rocksdb::kZSTD
                                : cf.compression;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  if (bloom)
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.whole_key_filtering = whole_key;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return cf;
}

} // namespace

void cf_id_handle::init(uint32_t id, std::string name) {
  id_ = id;
  name_ = std::move(name);
}

rocksdb::Status cf_id_handle::GetDescriptor(rocksdb::ColumnFamilyDescriptor*) {
  return rocksdb::Status::NotSupported("id-only handle");
}

const rocksdb::Comparator* cf_id_handle::GetComparator() const {
  return rocksdb::BytewiseComparator();
}

tuned_options make_options(const db_options& opts,
                           std::shared_ptr<retention_state> retention) {
  tuned_options out;
  auto& d = out.db;
  d.create_if_missing = true;
  d.create_missing_column_families = true;
  // Two cores: one flush and one compaction at a time keeps ingest threads
  // on the CPU.
  d.max_background_jobs = 2;
  d.bytes_per_sync = 1 << 20;     // smooth writeback instead of bursts
  d.wal_bytes_per_sync = 1 << 20;
  // Bounds WAL replay after a crash and forces flushes of small families
  // that would otherwise pin old WAL files.
  d.max_total_wal_size = 4 * static_cast<uint64_t>(opts.write_buffer_bytes);
  d.keep_log_file_num = 4;
  d.max_log_file_size = 8 << 20;
  // Only the series family holds much data; one shared cache bounds memory.
  auto cache = rocksdb::NewLRUCache(32 << 20);
  auto small = std::max<size_t>(opts.write_buffer_bytes / 4, 1 << 20);

  out.families.emplace_back(cf_names[cf_default],
                            base_cf(1 << 20, cache, false, true));

  // series: Gorilla chunks are near-incompressible, so no block
  // compression; a per-user prefix bloom filter lets range queries of users
  // without data skip files.
  auto series = base_cf(opts.write_buffer_bytes, cache, true, false);
  series.compression = rocksdb::kNoCompression;
  series.bottommost_compression = rocksdb::kNoCompression;
  series.prefix_extractor = make_series_prefix_extractor();
  series.memtable_prefix_bloom_size_ratio = 0.02;
  series.compaction_filter_factory
    = make_retention_filter_factory(std::move(retention));
  {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    t.cache_index_and_filter_blocks = true;
    t.pin_l0_filter_and_index_blocks_in_cache = true;
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    t.whole_key_filtering = false; // only prefix seeks, no point gets
    t.block_size = 16 << 10;       // chunks are ~1 KiB: fewer index entries
    series.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  }
  out.families.emplace_back(cf_names[cf_series], series);

  // shardlog: written and deleted in order; no lookups that a filter helps.
  out.families.emplace_back(cf_names[cf_shardlog],
                            base_cf(small, cache, false, true));
  // profile: point gets on activation; whole-key bloom filter. The blobs
  // (profile state, user models) share their layout from user to user, so
  // the last level compresses with a trained ZSTD dictionary.
  auto profile = base_cf(small, cache, true, true);
  if (profile.bottommost_compression == rocksdb::kZSTD) {
    profile.bottommost_compression_opts.enabled = true;
    profile.bottommost_compression_opts.max_dict_bytes = 16 << 10;
    profile.bottommost_compression_opts.zstd_max_train_bytes = 100 * (16 << 10);
    profile.bottommost_compression_opts.level = 3;
  }
  out.families.emplace_back(cf_names[cf_profile], profile);
  // ledger: prefix scans over opaque keys; small.
  out.families.emplace_back(cf_names[cf_ledger],
                            base_cf(small, cache, false, true));
  return out;
}

} // namespace prescient::storage::detail
