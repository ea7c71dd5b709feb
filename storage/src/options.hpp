// Internal: RocksDB tuning for the node's ingest-heavy workload.
#pragma once

#include <memory>
#include <vector>

#include <rocksdb/options.h>

#include "db_core.hpp"

namespace prescient::storage::detail {

struct tuned_options {
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> families; // in cf order
};

tuned_options make_options(const db_options& opts,
                           std::shared_ptr<retention_state> retention);

} // namespace prescient::storage::detail
