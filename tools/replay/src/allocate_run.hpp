// `prescient-replay allocate`: what the command computes, shared by its
// input, output and report files (allocate_*.cpp).
#pragma once

#include <string>
#include <vector>

#include "prescient/allocate/metrics.hpp"
#include "prescient/allocate/simulator.hpp"

namespace prescient::replay {

/// One policy's figures in one run.
struct policy_result {
  std::string name;
  allocate::summary s;
  std::vector<double> app_shares;  ///< per-app cold-start share, percent, sorted
  double wasted_vs_keepalive10 = 0;
};

/// One point of a policy family's trade-off curve.
struct sweep_point {
  std::string param;  ///< e.g. "10" (minutes), "range=240,tail=99", "8" (GB-min)
  double value = 0;   ///< the numeric parameter where there is one (for ordering)
  std::uint64_t avoidable_cold_starts = 0;
  double wasted_gb_min = 0;
};

struct sweep_curve {
  std::string family;  ///< "keepalive", "hybrid-histogram", "prescient"
  bool numeric = true; ///< param is a number (JSON number) rather than a string
  std::vector<sweep_point> points;
};

/// What was read (for messages and the report).
struct input_stats {
  std::uint64_t skipped = 0;          ///< malformed lines skipped (--skip-bad), all files
  std::uint64_t memory_defaulted = 0; ///< apps without a memory row (given the median)
  std::uint64_t durations = 0;        ///< apps with a duration row
};

/// Reads the Azure files into the simulator's trace. Throws traces::trace_error.
allocate::trace read_allocate_input(const std::string& invocations, const std::string& memory,
                                    const std::string& durations, bool skip_bad, input_stats& stats);

/// Writes DIR/index.html: the sweep curves with the chosen operating points
/// and per-app cold-start-share CDFs, inline SVG only. Returns false and
/// says why in `error` when it cannot write.
bool write_allocate_report(const std::string& dir, const std::vector<policy_result>& results,
                           const std::vector<sweep_curve>& curves, std::uint64_t invocations,
                           std::uint64_t apps, std::string& error);

} // namespace prescient::replay
