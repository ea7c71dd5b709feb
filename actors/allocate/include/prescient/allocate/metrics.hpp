// The figures the `allocate` replay reports for one policy family.
#pragma once

#include <cstdint>
#include <vector>

#include "prescient/allocate/simulator.hpp"

namespace prescient::allocate {

struct summary {
  std::uint64_t invocations = 0;
  std::uint64_t apps = 0;                  ///< apps with at least one invocation
  std::uint64_t cold_starts = 0;           ///< all of them
  std::uint64_t avoidable_cold_starts = 0; ///< without each app's first invocation
  double cold_start_share = 0;             ///< cold_starts / invocations, percent
  /// Percentiles (nearest rank) over apps of the app's cold-start share
  /// (its cold starts / its invocations, percent), as in Shahrad's CDF.
  double app_cold_start_p50 = 0, app_cold_start_p75 = 0, app_cold_start_p90 = 0;
  double wasted_gb_min = 0;
};

/// Totals and percentiles of one simulator run.
summary summarize(const std::vector<app_result>& per_app);

/// Per-app cold-start shares (percent), sorted ascending; apps without
/// invocations left out. The CDF of Shahrad's figure.
std::vector<double> app_cold_start_shares(const std::vector<app_result>& per_app);

/// Nearest-rank percentile (p in (0, 100]) of sorted values; 0 when empty.
double nearest_rank(const std::vector<double>& sorted, double p);

} // namespace prescient::allocate
