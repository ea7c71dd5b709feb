// Prescient's policy: shapes it must handle, the knob, no look-ahead.
#include <catch2/catch.hpp>

#include "allocate_fixtures.hpp"
#include "prescient/allocate/baselines.hpp"
#include "prescient/allocate/metrics.hpp"
#include "prescient/allocate/prescient_policy.hpp"

using namespace prescient::allocate;
using namespace prescient::allocate::test;

namespace {
/// A small mixed workload: periodic timers, a bursty app, a rare app.
trace mixed_trace() {
  trace t;
  t.first_minute = 0;
  t.last_minute = 1439;
  auto add = [&](std::uint32_t owner, const char* trigger, double mb, std::vector<minute_t> ms) {
    app_trace a;
    a.info = {owner, trigger, mb};
    for (auto m : ms) a.minutes.emplace_back(static_cast<std::int32_t>(m), 1u);
    t.apps.push_back(a);
  };
  for (int period : {5, 15, 60}) {
    std::vector<minute_t> ms;
    for (minute_t m = period / 2; m < 1440; m += period) ms.push_back(m);
    add(static_cast<std::uint32_t>(period), "timer", 200, ms);
  }
  std::vector<minute_t> burst;  // 10 busy minutes every ~97 minutes
  for (minute_t b = 3; b < 1400; b += 97)
    for (int k = 0; k < 10; ++k) burst.push_back(b + k * 2);
  add(1, "http", 300, burst);
  add(2, "http", 150, {100, 700, 1300});
  return t;
}
} // namespace

TEST_CASE("prescient: an exact period is kept warm for its one minute") {
  auto f = make_prescient();
  // A 30-minute timer (idle 29). Once the app's own history dominates, the
  // window is (29, 30): loaded exactly in the minute of the next invocation.
  std::vector<minute_t> ms;
  for (minute_t m = 0; m < 30 * 200; m += 30) ms.push_back(m);
  auto w = windows_of(*f, ms, {0, "timer", 256});
  // Pre-warmed exactly for the minute it is due; keeping it a little
  // longer costs nothing while the timer keeps time (the next invocation
  // replaces the window), so the policy may.
  CHECK(w.back().prewarm == 29);
  CHECK(w.back().keepalive >= 30);
  auto r = run_one(*make_prescient(), ms, ms.back());
  // Wasted minutes only while it learns; no cold start once it has.
  CHECK(r.cold_starts <= 3);
  CHECK(r.wasted_minutes < 200);
  // Nothing at all wasted over the second half.
  std::vector<minute_t> half(ms.begin(), ms.begin() + 100);
  CHECK(run_one(*make_prescient(), half, half.back()).wasted_minutes == r.wasted_minutes);
}

TEST_CASE("prescient: a cycle of idle times is learnt by what follows what") {
  // An app invoked twice a minute apart every 30 minutes: idle 0, 28, 0, 28...
  // After idle 28 the next idle is 0, after 0 it is 28: the window follows.
  auto f = make_prescient();
  std::vector<int> idle;
  for (int i = 0; i < 150; ++i) idle.push_back(i % 2 ? 28 : 0);
  auto w = windows_of(*f, from_idle(idle), {0, "timer", 256});
  // The last idle time was 28 (i = 149): the next is 0, so no pre-warm gap.
  CHECK(w.back().prewarm == 0);
  // One before: after idle 0 the next is 28: unloaded until then.
  CHECK(w[w.size() - 2].prewarm == 28);
  auto r = run_one(*make_prescient(), from_idle(idle), from_idle(idle).back());
  CHECK(r.cold_starts <= 3);
  CHECK(r.wasted_minutes < 150);  // vs 28 a cycle (2100) for a keep-alive that covers it
}

TEST_CASE("prescient: more memory per cold start avoids more cold starts for more waste") {
  auto t = mixed_trace();
  simulator sim(t);
  std::uint64_t prev_cold = UINT64_MAX;
  double prev_waste = -1;
  for (double c : {0.5, 4.0, 32.0, 256.0}) {
    prescient_params p;
    p.cold_start_gb_min = c;
    auto s = summarize(sim.run(*make_prescient(p)));
    CHECK(s.avoidable_cold_starts <= prev_cold);
    CHECK(s.wasted_gb_min >= prev_waste);
    prev_cold = s.avoidable_cold_starts;
    prev_waste = s.wasted_gb_min;
  }
}

TEST_CASE("prescient: timers cost far less memory than under the hybrid histogram") {
  auto t = mixed_trace();
  simulator sim(t);
  auto h = sim.run(*make_hybrid_histogram());
  auto p = sim.run(*make_prescient());
  for (std::size_t i = 0; i < 3; ++i) {  // the 5-, 15- and 60-minute timers
    INFO(i);
    CHECK(p[i].cold_starts <= h[i].cold_starts);
    CHECK(p[i].wasted_gb_min <= 0.5 * h[i].wasted_gb_min);
  }
  CHECK(summarize(p).wasted_gb_min < summarize(h).wasted_gb_min);
}

TEST_CASE("prescient: decisions never depend on later invocations; deterministic") {
  // Two apps of one owner share the priors. The windows of app A up to minute
  // 500 must not change when app B's invocations after 500 change.
  auto windows_a = [](std::vector<minute_t> b_minutes) {
    auto f = make_prescient();
    auto a = f->make({7, "timer", 128});
    auto b = f->make({7, "timer", 128});
    std::vector<minute_t> am;
    for (minute_t m = 0; m < 1000; m += 7) am.push_back(m);
    std::vector<window> out;
    std::size_t j = 0;
    for (auto m : am) {
      // Event time: B's invocations up to m first.
      for (; j < b_minutes.size() && b_minutes[j] < m; ++j) b->on_invocation(b_minutes[j], 1);
      auto w = a->on_invocation(m, 1);
      if (m <= 500) out.push_back(w);
    }
    return out;
  };
  std::vector<minute_t> b1, b2;
  for (minute_t m = 1; m < 1000; m += 11) {
    b1.push_back(m);
    b2.push_back(m <= 500 ? m : m + 3);
  }
  CHECK(windows_a(b1) == windows_a(b2));
  auto t = mixed_trace();
  simulator sim(t);
  auto x = sim.run(*make_prescient()), y = sim.run(*make_prescient());
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(x[i].cold_starts == y[i].cold_starts);
    CHECK(x[i].wasted_minutes == y[i].wasted_minutes);
  }
}
