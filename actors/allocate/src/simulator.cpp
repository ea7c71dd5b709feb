#include "prescient/allocate/simulator.hpp"

#include <algorithm>

namespace prescient::allocate {

namespace {

/// Minutes of [lo, hi] (inclusive), 0 when empty.
std::uint64_t span(minute_t lo, minute_t hi) {
  return hi >= lo ? static_cast<std::uint64_t>(hi - lo + 1) : 0;
}

struct app_state {
  std::unique_ptr<policy> p;
  minute_t last = 0;
  bool seen = false;
  window w;
};

} // namespace

simulator::simulator(const trace& t) : trace_(t), origin_(t.first_minute) {
  // Counting sort by minute: apps stay in trace order within a minute. The
  // index covers every invocation even outside [first_minute, last_minute]
  // (a hand-made trace), so nothing is written out of bounds.
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

std::vector<app_result> simulator::run(policy_factory& f) const {
  std::vector<app_result> out(trace_.apps.size());
  std::vector<app_state> st(trace_.apps.size());
  std::vector<std::uint32_t> next(trace_.apps.size(), 0);  // per app: its next invocation minute
  for (std::size_t i = 0; i < st.size(); ++i) st[i].p = f.make(trace_.apps[i].info);
  for (std::size_t k = 0; k + 1 < first_.size(); ++k) {
    const minute_t minute = origin_ + static_cast<minute_t>(k);
    for (std::size_t j = first_[k]; j < first_[k + 1]; ++j) {
      const std::uint32_t app = apps_[j];
      const std::uint32_t count = trace_.apps[app].minutes[next[app]++].second;
      auto& s = st[app];
      auto& r = out[app];
      r.invocations += count;
      if (!s.seen) {
        r.cold_starts += 1;  // nothing could have known the app before
      } else {
        const minute_t from = s.last + 1 + s.w.prewarm, until = s.last + s.w.keepalive;
        r.wasted_minutes += span(from, std::min(until, minute - 1));
        if (minute < from || minute > until) r.cold_starts += 1;
      }
      s.seen = true;
      s.last = minute;
      s.w = s.p->on_invocation(minute, count);
      s.w.prewarm = std::max(0, s.w.prewarm);
    }
  }
  for (std::size_t i = 0; i < st.size(); ++i) {
    auto& s = st[i];
    if (s.seen)
      out[i].wasted_minutes +=
        span(s.last + 1 + s.w.prewarm, std::min(s.last + s.w.keepalive, trace_.last_minute));
    out[i].wasted_gb_min = static_cast<double>(out[i].wasted_minutes) * trace_.apps[i].info.memory_mb / 1024.0;
  }
  return out;
}

} // namespace prescient::allocate
