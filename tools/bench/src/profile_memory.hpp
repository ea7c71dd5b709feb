// Resident memory per active user profile, measured on the real shard
// actors in this process: memory after N users became active (and their
// writes were flushed out of RocksDB's memtables) minus memory before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace prescient::bench {

struct profile_memory {
  size_t profiles = 0;          ///< resident at the measurement
  double rss_bytes_per_profile = 0;
  double heap_bytes_per_profile = 0; ///< malloc'd bytes in use, same delta
};

/// In this process: feeds `users` users' events to 8 real shards and returns
/// absolute figures (rss/heap in bytes, not per profile).
profile_memory sample_profile_memory(const std::string& dir, size_t users,
                                     uint64_t seed);

/// Runs sample_profile_memory in two fresh processes (`self_exe
/// profile-sample`) for users/2 and users; the per-profile figures are the
/// differences divided by the difference in resident profiles, so fixed
/// costs cancel.
profile_memory measure_profile_memory(const std::string& self_exe,
                                      const std::string& dir, size_t users,
                                      uint64_t seed);

} // namespace prescient::bench
