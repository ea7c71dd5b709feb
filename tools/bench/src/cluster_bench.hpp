// `prescient-bench cluster`: a cluster of local prescientd processes
// against one standalone node on the same machine — ingest throughput and
// request latency for each — then SIGKILL of `kill` nodes under client
// load: events acknowledged and lost, requests sent and left unanswered
// within the client's timeout, and the time until the survivors declared
// the killed nodes down and took over their shards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace prescient::bench {

struct cluster_options {
  std::string prescientd;  ///< binary to run
  std::string work_dir;
  size_t nodes = 3;        ///< cluster size (2..9)
  size_t kill = 1;         ///< nodes SIGKILLed in the last phase (< a majority)
  size_t users = 2'000;
  size_t events = 200'000; ///< ingested in each throughput phase
  size_t batch = 1'000;
  size_t in_flight = 8;
  size_t requests = 2'000; ///< measured requests in each latency phase
  double kill_load_s = 4;  ///< client load before and after the kill
  uint64_t seed = 42;
  /// Lines added to each cluster node's [node] section (tuning).
  std::string node_extra;
  bool progress = true;
};

/// Runs every phase; keys as documented in README (acked, lost, requests,
/// unanswered, failover_s among them).
nlohmann::json run_cluster(const cluster_options& opts);

} // namespace prescient::bench
