#include "idle_distribution.hpp"

#include <algorithm>

namespace prescient::allocate::detail {

bool idle_histogram::add(int idle, int horizon) {
  unit_ = unit_ == 0 ? 1.0 : unit_ / decay_;
  total_ += unit_;
  bool fresh = false;
  if (idle >= horizon) {
    fresh = overflow_ == 0;
    overflow_ += unit_;
  } else {
    auto it = std::lower_bound(bins_.begin(), bins_.end(), idle,
                               [](const std::pair<int, double>& b, int v) { return b.first < v; });
    if (it != bins_.end() && it->first == idle) {
      it->second += unit_;
    } else {
      bins_.insert(it, {idle, unit_});
      fresh = true;
    }
  }
  if (unit_ > 1e12) rescale();
  return fresh;
}

void idle_histogram::rescale() {
  const double k = 1.0 / unit_;
  unit_ = 1, total_ *= k, overflow_ *= k;
  // Bins below a millionth of a fresh sample no longer move any decision.
  bins_.erase(std::remove_if(bins_.begin(), bins_.end(),
                             [&](std::pair<int, double>& b) { return (b.second *= k) < 1e-6; }),
              bins_.end());
  total_ = overflow_;
  for (auto& b : bins_) total_ += b.second;
}

window best_window(const std::vector<part>& parts, double c, std::vector<std::pair<int, double>>& pts) {
  // Merge the parts into one normalised list of (idle time, probability):
  // every part is sorted, so each run appended is merged in linear time
  // (a spread part is two runs, shifted either way).
  pts.clear();
  double norm = 0;
  auto append = [&pts](const idle_histogram& h, double k, int shift) {
    const auto mid = static_cast<std::ptrdiff_t>(pts.size());
    for (auto& [i, w] : h.bins()) pts.emplace_back(std::max(0, i + shift), w * k);
    std::inplace_merge(pts.begin(), pts.begin() + mid, pts.end(),
                       [](auto& a, auto& b) { return a.first < b.first; });
  };
  for (auto& p : parts) {
    if (p.mass <= 0 || p.h->total() <= 0) continue;
    const double k = p.mass / p.h->total();
    if (!p.spread) {
      append(*p.h, k, 0);
    } else {
      append(*p.h, k / 2, -1);
      append(*p.h, k / 2, +1);
    }
    norm += p.mass;
  }
  if (pts.empty() || norm <= 0) return {0, 0};
  // Kadane over minutes j, with the runs of minutes between two support
  // points folded into one step: g(j) = P(idle > j) − c·P(idle = j), where
  // P(idle > j) is the same for every j of a run. A best window starts and
  // ends on support points (everything between costs > 0).
  double above = 1.0;  // P(idle > the previous point)
  double best = 0, cur = 0;
  int best_from = 0, best_to = -1, from = 0, prev = 0;
  bool open = false;
  for (std::size_t k = 0; k < pts.size();) {
    const int at = pts[k].first;
    double p = 0;
    for (; k < pts.size() && pts[k].first == at; ++k) p += pts[k].second;
    p /= norm;
    if (open) cur += static_cast<double>(at - prev - 1) * above;  // the empty minutes between
    above = std::max(0.0, above - p);
    const double g = above - c * p;
    if (open && cur < 0) {
      cur += g;
    } else {
      cur = g;
      from = at;
      open = true;
    }
    if (cur < best) best = cur, best_from = from, best_to = at;
    prev = at;
  }
  if (best_to < 0) return {0, 0};
  return {best_from, best_to + 1};
}

} // namespace prescient::allocate::detail
