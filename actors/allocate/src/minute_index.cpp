#include "prescient/allocate/minute_index.hpp"

#include <algorithm>

namespace prescient::allocate {

minute_index::minute_index(const trace& t) : origin_(t.first_minute) {
  minute_t end = t.last_minute;
  for (auto& a : t.apps)
    if (!a.minutes.empty()) {
      origin_ = std::min<minute_t>(origin_, a.minutes.front().first);
      end = std::max<minute_t>(end, a.minutes.back().first);
    }
  first_.assign(static_cast<std::size_t>(std::max<minute_t>(0, end - origin_ + 1)) + 1, 0);
  for (auto& a : t.apps)
    for (auto& [m, c] : a.minutes) ++first_[static_cast<std::size_t>(m - origin_) + 1];
  for (std::size_t i = 1; i < first_.size(); ++i) first_[i] += first_[i - 1];
  apps_.resize(first_.back());
  std::vector<std::size_t> fill(first_.begin(), first_.end() - 1);
  for (std::uint32_t i = 0; i < t.apps.size(); ++i)
    for (auto& [m, c] : t.apps[i].minutes) apps_[fill[static_cast<std::size_t>(m - origin_)]++] = i;
}

} // namespace prescient::allocate
