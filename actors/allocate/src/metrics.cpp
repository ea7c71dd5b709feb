#include "prescient/allocate/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace prescient::allocate {

double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Rank ceil(p/100 · n), at least 1; the small slack keeps 0.05·100 from
  // becoming rank 6 through rounding.
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()) - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::vector<double> app_cold_start_shares(const std::vector<app_result>& per_app) {
  std::vector<double> v;
  v.reserve(per_app.size());
  for (auto& r : per_app)
    if (r.invocations > 0)
      v.push_back(100.0 * static_cast<double>(r.cold_starts) / static_cast<double>(r.invocations));
  std::sort(v.begin(), v.end());
  return v;
}

summary summarize(const std::vector<app_result>& per_app) {
  summary s;
  for (auto& r : per_app) {
    if (r.invocations == 0) continue;
    ++s.apps;
    s.invocations += r.invocations;
    s.cold_starts += r.cold_starts;
    s.avoidable_cold_starts += r.cold_starts - 1;
    s.wasted_gb_min += r.wasted_gb_min;
  }
  if (s.invocations) s.cold_start_share = 100.0 * static_cast<double>(s.cold_starts) / static_cast<double>(s.invocations);
  auto shares = app_cold_start_shares(per_app);
  s.app_cold_start_p50 = nearest_rank(shares, 50);
  s.app_cold_start_p75 = nearest_rank(shares, 75);
  s.app_cold_start_p90 = nearest_rank(shares, 90);
  return s;
}

} // namespace prescient::allocate
