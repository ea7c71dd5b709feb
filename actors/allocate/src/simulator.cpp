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

simulator::simulator(const trace& t) : trace_(t), index_(t) {}

std::vector<app_result> simulator::run(policy_factory& f) const {
  std::vector<app_result> out(trace_.apps.size());
  std::vector<app_state> st(trace_.apps.size());
  std::vector<std::uint32_t> next(trace_.apps.size(), 0);  // per app: its next invocation minute
  for (std::size_t i = 0; i < st.size(); ++i) st[i].p = f.make(trace_.apps[i].info);
  for (std::size_t k = 0; k < index_.minutes(); ++k) {
    const minute_t minute = index_.origin() + static_cast<minute_t>(k);
    for (auto j = index_.begin(k); j != index_.end(k); ++j) {
      const std::uint32_t app = *j;
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
