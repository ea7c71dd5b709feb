// `prescient-bench ingest`: events per second into one real node through
// the client library, beside raw RocksDB batched writes of the same events
// on the same disk; bytes stored per event after compaction; resident
// memory per active user profile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "prescient/wire/event.hpp"

namespace prescient::bench {

struct ingest_options {
  std::string prescientd;   ///< binary to run
  std::string self_exe;     ///< this program, for the memory samples
  std::string work_dir;     ///< where both stores live (same disk)
  size_t users = 5'000;
  double days = 2;
  size_t max_events = 1'000'000;
  size_t batch = 1'000;
  size_t in_flight = 8;
  size_t profile_users = 100'000; ///< users for the memory measurement
  uint64_t seed = 42;
  bool progress = true;
};

/// Runs every phase and returns the figures (keys as documented in README).
nlohmann::json run_ingest(const ingest_options& opts);

/// Events of the synthetic workload ending now, so a node accepts them.
std::vector<usage_event> make_events(size_t users, double days, size_t max_events,
                                     uint64_t seed);

} // namespace prescient::bench
