// Internal: the compaction filter that applies retention to `series`.
#pragma once

#include <memory>

#include <rocksdb/compaction_filter.h>

#include "db_core.hpp"

namespace prescient::storage::detail {

/// True if a chunk of class `cls` starting at `bucket_start_us` is past
/// retention at `watermark_us` (0 = unknown watermark: keep everything).
bool expired(const retention_state& st, int64_t watermark_us,
             activity_class cls, int64_t bucket_start_us);

/// Creates per-compaction filters that snapshot the watermark.
std::shared_ptr<rocksdb::CompactionFilterFactory>
make_retention_filter_factory(std::shared_ptr<retention_state> st);

} // namespace prescient::storage::detail
