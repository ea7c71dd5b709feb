#include "prescient/allocate/simulator.hpp"

#include <algorithm>
#include <cassert>

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

simulator::simulator(const trace& t) : trace_(t) {
  std::size_t n = 0;
  for (auto& a : t.apps) n += a.minutes.size();
  cells_.reserve(n);
  for (std::uint32_t i = 0; i < t.apps.size(); ++i)
    for (auto& [m, c] : t.apps[i].minutes) cells_.push_back({m, i, c});
  std::stable_sort(cells_.begin(), cells_.end(),
                   [](const cell& a, const cell& b) { return a.minute < b.minute; });
}

std::vector<app_result> simulator::run(policy_factory& f) const {
  std::vector<app_result> out(trace_.apps.size());
  std::vector<app_state> st(trace_.apps.size());
  for (std::size_t i = 0; i < st.size(); ++i) st[i].p = f.make(trace_.apps[i].info);
  for (const cell& c : cells_) {
    auto& s = st[c.app];
    auto& r = out[c.app];
    r.invocations += c.count;
    if (!s.seen) {
      r.cold_starts += 1;  // nothing could have known the app before
    } else {
      assert(c.minute > s.last);
      const minute_t from = s.last + 1 + s.w.prewarm, until = s.last + s.w.keepalive;
      r.wasted_minutes += span(from, std::min(until, c.minute - 1));
      if (c.minute < from || c.minute > until) r.cold_starts += 1;
    }
    s.seen = true;
    s.last = c.minute;
    s.w = s.p->on_invocation(c.minute, c.count);
    s.w.prewarm = std::max(0, s.w.prewarm);
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
