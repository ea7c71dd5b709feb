// `prescient-bench claim`: what a claim costs on the warm path (a hold's
// instance started and warmed ahead, then handed over) against the cold path
// (a process spawned for the waiting claim), through a real broker actor
// driving the local-process provider, in this process.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace prescient::bench {

struct claim_options {
  std::string work_dir;     ///< the ledger's database and the provider's records
  std::string app;          ///< a program speaking the provider's line protocol
  size_t claims = 300;      ///< measured claims per path (each released at once)
  size_t warmup_steps = 0;  ///< steps a warm instance runs first (0 = prewarmed, else shadow)
  int poll_interval_ms = 5; ///< the provider's poll interval while children start
  bool progress = true;
};

/// Returns `warm_p50_us`, `warm_p99_us`, `cold_p50_us`, `cold_p99_us` (the
/// claim as the caller sees it), `warm_wait_p50_us` / `cold_wait_p50_us`
/// (the grants' wait_us, the provider's own measure), `warm_hits` (warm
/// claims that got the hold's instance), `claims`.
nlohmann::json run_claims(const claim_options& opts);

} // namespace prescient::bench
