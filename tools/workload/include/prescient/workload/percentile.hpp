// Latency figures of the tools that drive a node (prescient-load,
// prescient-bench): one definition of a percentile so that their reports
// agree.
#pragma once

#include <algorithm>
#include <vector>

namespace prescient::workload {

/// The q-quantile (0..1) of `v` by nearest rank; 0 when `v` is empty.
inline double percentile(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(q * double(v.size()));
  return v[std::min(rank, v.size() - 1)];
}

} // namespace prescient::workload
