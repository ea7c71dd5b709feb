// `prescient-bench request`: the latency of one grant decision through the
// client library against a real node on loopback, beside a bare Cap'n Proto
// RPC round trip measured in the same run (the floor on this machine).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace prescient::bench {

struct request_options {
  std::string prescientd; ///< binary to run
  std::string work_dir;   ///< the node's configuration and data
  size_t requests = 5'000; ///< measured requests (each followed by a release)
  size_t warmup = 500;     ///< unmeasured requests first (connections, profiles)
  size_t concurrency = 1;  ///< client threads sharing one client, each sequential
  size_t users = 100;      ///< requests rotate over this many users
  size_t bare_calls = 5'000; ///< measured bare RPC round trips
  bool progress = true;
};

/// Runs both measurements and returns the figures: `p50_us`, `p99_us`,
/// `mean_us`, `max_us` of request() as the caller sees it; `bare_rpc_p50_us`,
/// `bare_rpc_p99_us`; `requests`, `concurrency`, `bare_rpc_calls`, and the
/// node's own `node_decision_p50_us` / `node_decision_p99_us` (its KPIs).
nlohmann::json run_request(const request_options& opts);

} // namespace prescient::bench
