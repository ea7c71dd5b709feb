// The baseline: the same events written straight into RocksDB in batches
// (one key per event, WAL on, no fsync — the node's own durability level).
#pragma once

#include <string>
#include <vector>

#include "prescient/wire/event.hpp"

namespace prescient::bench {

struct raw_result {
  double events_per_s = 0;
  double bytes_per_event = 0; ///< after a full compaction
};

raw_result raw_rocksdb_writes(const std::string& dir,
                              const std::vector<usage_event>& events,
                              size_t batch);

} // namespace prescient::bench
