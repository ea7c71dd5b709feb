// `prescient-bench cluster`: a cluster of local prescientd processes
// against one standalone node on the same machine — ingest throughput and
// request latency for each — then `cycles` times SIGKILL of `kill` random
// nodes under client load, each followed by a restart on the same data:
// events acknowledged and lost, requests sent and left unanswered within
// the client's timeout, and the time until the survivors declared the
// killed nodes down, took over their shards and served writes and requests
// again.
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
  size_t kill = 1;         ///< nodes SIGKILLed in each cycle (< a majority)
  size_t cycles = 1;       ///< kill, fail over, restart, rejoin: this many times
  /// False: only the cluster and its kill cycles (--phases failover), not
  /// the 1-node vs N-node ingest and latency phases.
  bool throughput = true;
  size_t users = 2'000;
  size_t events = 200'000; ///< ingested in each throughput phase
  size_t batch = 1'000;
  size_t in_flight = 8;
  size_t requests = 2'000; ///< measured requests in each latency phase
  double kill_load_s = 4;  ///< client load before each kill and after the last
  uint64_t seed = 42;      ///< the ingest phases' workload
  uint64_t kill_seed = 1;  ///< which nodes each cycle kills (JSON `seed`)
  /// Lines added to each cluster node's [node] section (tuning).
  std::string node_extra;
  bool progress = true;
};

/// Runs the phases; keys as documented in README (acked, lost, requests,
/// unanswered, failover_s, cycles, failover_s_p50, seed among them). When the
/// cycles stop early (a node not declared down, or not back within the
/// bounds), `cycles` counts the completed ones and `error` says why.
nlohmann::json run_cluster(const cluster_options& opts);

} // namespace prescient::bench
