// reactive, keepalive and hybrid histogram on hand-made idle-time sequences.
#include <catch2/catch.hpp>

#include "allocate_fixtures.hpp"
#include "prescient/allocate/baselines.hpp"
#include "prescient/allocate/idle_predictor.hpp"

using namespace prescient::allocate;
using namespace prescient::allocate::test;

TEST_CASE("reactive: every invocation minute is cold, nothing wasted") {
  auto f = make_fixed_keepalive(0);
  auto t = one_app({{0, 1}, {1, 4}, {7, 1}, {8, 2}}, 20);
  auto r = simulator(t).run(*f).at(0);
  CHECK(r.cold_starts == 4);
  CHECK(r.invocations == 8);
  CHECK(r.wasted_minutes == 0);
}

TEST_CASE("keepalive:10m: cold after 10 empty minutes, waste up to the next invocation") {
  auto f = make_fixed_keepalive(10);
  // 0: first, cold; loaded 1..10.
  // 5: idle 4, warm; waste 1..4 = 4; loaded 6..15.
  // 20: idle 14 ≥ 10, cold; waste 6..15 = 10; loaded 21..30.
  // 21 (×3): idle 0, warm; waste 0; loaded 22..31.
  // 40: idle 18, cold; waste 22..31 = 10; loaded 41..50.
  // end at 50: waste 41..50 = 10 (at 45: 41..45 = 5).
  auto t = one_app({{0, 1}, {5, 1}, {20, 1}, {21, 3}, {40, 1}}, 50);
  auto r = simulator(t).run(*f).at(0);
  CHECK(r.invocations == 7);
  CHECK(r.cold_starts == 3);
  CHECK(r.wasted_minutes == 34);
  t.last_minute = 45;
  CHECK(simulator(t).run(*f).at(0).wasted_minutes == 29);
  // Idle time 9 is the longest a 10-minute keep-alive serves warm.
  CHECK(run_one(*f, {0, 10}, 10).cold_starts == 1);
  CHECK(run_one(*f, {0, 11}, 11).cold_starts == 2);
}

TEST_CASE("hybrid: histogram not representative yet → 4-hour keep-alive") {
  auto f = make_hybrid_histogram();
  // 0: cold; (0, 240) → loaded 1..240.
  // 100: idle 99, warm; waste 1..99 = 99; 1 in-range idle time < 10 → (0, 240): loaded 101..340.
  // 350: idle 249, cold; waste 101..340 = 240; idle 249 ≥ 240 is 1 of 2 (not more
  //      than half) → (0, 240): loaded 351..590; end at 400: waste 50.
  auto r = run_one(*f, {0, 100, 350}, 400);
  CHECK(r.cold_starts == 2);
  CHECK(r.wasted_minutes == 99 + 240 + 50);
}

TEST_CASE("hybrid: a 30-minute timer becomes representative after 10 idle times") {
  auto f = make_hybrid_histogram();
  // Invocations every 30 minutes (idle 29), 0..360.
  // After invocations 1..10 (< 10 idle times): (0, 240); each next invocation
  // warm, waste 29 each: 290.
  // After the 11th (minute 300), 10 idle times of 29, CV = sqrt(239) ≥ 2:
  // PW = floor(0.9·29) = 26, KA = ceil(1.1·30) = 33 → loaded m+27..m+33: the
  // next at m+30 is warm, waste m+27..m+29 = 3. Twice (300→330, 330→360), then
  // 387..393 is past the end (362).
  std::vector<minute_t> ms;
  for (minute_t m = 0; m <= 360; m += 30) ms.push_back(m);
  auto r = run_one(*f, ms, 362);
  CHECK(r.cold_starts == 1);
  CHECK(r.wasted_minutes == 290 + 3 + 3);
  auto w = windows_of(*f, ms);
  CHECK(w[9] == window{0, 240});
  CHECK(w[10] == window{26, 33});
}

TEST_CASE("hybrid: PW and KA rounding at the bin edges") {
  auto f = make_hybrid_histogram();
  auto last = [&](std::vector<int> idle) { return windows_of(*f, from_idle(idle)).back(); };
  // One bin: p5 = p99 = i. PW = floor(0.9·i), KA = ceil(1.1·(i + 1)).
  CHECK(last(std::vector<int>(20, 9)) == window{8, 11});    // 8.1 → 8; 11.000…02 → 11, not 12
  CHECK(last(std::vector<int>(20, 10)) == window{9, 13});   // 9; 12.1 → 13
  CHECK(last(std::vector<int>(20, 30)) == window{27, 35});  // 27 (not 26); 34.1 → 35
  CHECK(last(std::vector<int>(20, 0)) == window{0, 2});     // ceil(1.1) = 2
  // 0..19 once each: CV = sqrt(240/20 − 1) = 3.3 ≥ 2. p5 = rank 1 → 0;
  // p99 = rank ceil(19.8) = 20 → 19: (0, ceil(1.1·20) = 22).
  std::vector<int> spread;
  for (int i = 0; i < 20; ++i) spread.push_back(i);
  CHECK(last(spread) == window{0, 22});
  // 100 idle times, 95 at 50 and 5 at 10: p5 = rank 5 → 10 → PW 9; p99 = 50 → KA 57.
  std::vector<int> mixed(5, 10);
  mixed.insert(mixed.end(), 95, 50);
  CHECK(last(mixed) == window{9, 57});
}

TEST_CASE("hybrid: flat histogram (CV < 2) or too few idle times → (0, 240)") {
  auto f = make_hybrid_histogram();
  // 0..59 once each: CV = sqrt(240/60 − 1) = 1.73 < 2.
  std::vector<int> flat;
  for (int i = 0; i < 60; ++i) flat.push_back(i);
  CHECK(windows_of(*f, from_idle(flat)).back() == window{0, 240});
  // 9 in-range idle times (< 10), however sharp.
  CHECK(windows_of(*f, from_idle(std::vector<int>(9, 5))).back() == window{0, 240});
  CHECK(windows_of(*f, from_idle(std::vector<int>(10, 5))).back() == window{4, 7});
}

TEST_CASE("hybrid: more than half the idle times beyond 4 h → time-series prediction ±15%") {
  auto f = make_hybrid_histogram();
  // 0: (0, 240) → loaded 1..240; 301 (idle 300): cold, waste 240.
  // 1 of 1 idle times ≥ 240 → predicted 300: (floor(255), ceil(345)) → loaded 557..646.
  // 602 (idle 300): warm, waste 557..601 = 45. After: loaded 858..947, past the end (700).
  auto r = run_one(*f, {0, 301, 602}, 700);
  CHECK(r.cold_starts == 2);
  CHECK(r.wasted_minutes == 240 + 45);
  CHECK(windows_of(*f, {0, 301, 602}).back() == window{255, 345});
  // One long idle time out of two is not more than half: histogram rules.
  CHECK(windows_of(*f, from_idle({300, 5})).back() == window{0, 240});
}

TEST_CASE("idle predictor: ARIMA(0,1,1) as exponential smoothing, α fitted") {
  idle_predictor p;
  CHECK(p.predict() == 0);
  p.add(300);
  CHECK(p.predict() == 300);
  p.add(400);
  CHECK(p.predict() == Approx(400));  // two points fit every α alike: the naive forecast
  idle_predictor q;
  for (double x : {10, 20, 10, 20}) q.add(x);
  // α = 0.3 has the least one-step SSE (171.41): level 10 → 13 → 12.1 → 14.47.
  CHECK(q.predict() == Approx(14.47));
}
