#include "warm_reserve.hpp"

#include <algorithm>
#include <cmath>

namespace prescient {

double demand_over_lead(const demand_forecast& f, int64_t start_us, int64_t step_us,
                        int64_t now_us, int64_t lead_us, double margin) {
  double out = 0;
  auto end_us = now_us + lead_us;
  for (size_t i = 0; i < f.point.size(); ++i) {
    auto from = start_us + int64_t(i) * step_us;
    auto to = from + step_us;
    auto overlap = std::min(to, end_us) - std::max(from, now_us);
    if (overlap <= 0)
      continue;
    // A forecaster with too little history may answer NaN: nothing known.
    auto known = [](double x) { return std::isfinite(x) ? std::max(x, 0.0) : 0.0; };
    double point = known(f.point[i]);
    double upper = i < f.upper95.size() ? std::max(known(f.upper95[i]), point) : point;
    out += (point + margin * (upper - point)) * double(overlap) / double(step_us);
  }
  return out;
}

void warm_reserve::claimed(const std::string& app, int64_t time_us) {
  if (!enabled())
    return;
  auto& s = apps_[app];
  s.claims.push_back(time_us);
  recent_claims(app, time_us); // drops the old ones
}

int warm_reserve::recent_claims(const std::string& app, int64_t now_us) {
  auto i = apps_.find(app);
  if (i == apps_.end())
    return 0;
  auto& q = i->second.claims;
  while (!q.empty() && q.front() <= now_us - opts_.lead_us)
    q.pop_front();
  return static_cast<int>(q.size());
}

int warm_reserve::target(const std::string& app, const demand_forecast& f,
                         int64_t start_us, int64_t step_us, int64_t now_us, int cap) {
  if (!enabled())
    return 0;
  auto forecast = demand_over_lead(f, start_us, step_us, now_us, opts_.lead_us,
                                   opts_.margin);
  // 1e-9: a forecast of exactly 2.0 computed as 2.0000000001 is 2.
  int wanted = std::max(static_cast<int>(std::ceil(forecast - 1e-9)),
                        recent_claims(app, now_us));
  auto& s = apps_[app];
  if (wanted >= s.size) {
    s.size = wanted;
    s.below = 0;
    s.highest_below = 0;
  } else {
    s.highest_below = s.below == 0 ? wanted : std::max(s.highest_below, wanted);
    if (++s.below >= opts_.scale_in_after) {
      s.size = s.highest_below;
      s.below = 0;
    }
  }
  return std::clamp(s.size, 0, std::max(cap, 0));
}

} // namespace prescient
