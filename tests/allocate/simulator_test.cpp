// The simulator's accounting rules and the summary figures.
#include <catch2/catch.hpp>

#include "allocate_fixtures.hpp"
#include "prescient/allocate/metrics.hpp"

using namespace prescient::allocate;
using namespace prescient::allocate::test;

TEST_CASE("simulator: first invocation cold, only one cold start per minute") {
  // Minute 3 has 5 invocations: the app's first, so exactly 1 cold start.
  // Window (0, 2) → loaded 4..5; minute 5 (2 invocations) is warm, waste 4
  // (one minute). Window again → loaded 6..7; minute 9 is cold (3 invocations,
  // still 1 cold start), waste 6..7 = 2. After 9: loaded 10..11, span ends at
  // 10 → waste 1. Totals: 10 invocations, 2 cold starts, waste 1 + 2 + 1 = 4.
  scripted_factory f({{0, 2}});
  auto t = one_app({{3, 5}, {5, 2}, {9, 3}}, 10);
  auto r = simulator(t).run(f).at(0);
  CHECK(r.invocations == 10);
  CHECK(r.cold_starts == 2);
  CHECK(r.wasted_minutes == 4);
  CHECK(r.wasted_gb_min == Approx(4.0));
}

TEST_CASE("simulator: pre-warm gap is cold, pre-warmed minutes before the invocation are waste") {
  // Window (5, 10) after minute 0: loaded 6..10.
  //  * next at 3 (idle 2 < PW): cold, no waste (nothing loaded before 3);
  //  * window after 3: loaded 9..13; next at 11 (idle 7): warm, waste 9..10 = 2;
  //  * window after 11: loaded 17..21; next at 22 (idle 10 = KA): cold, waste 17..21 = 5;
  //  * after 22: loaded 28..32, span ends at 30: waste 3.
  scripted_factory f({{5, 10}});
  auto r = run_one(f, {0, 3, 11, 22}, 30);
  CHECK(r.cold_starts == 3);  // 0, 3, 22
  CHECK(r.wasted_minutes == 2 + 5 + 3);
}

TEST_CASE("simulator: memory in MB over 1024 gives GB-minutes; apps run in minute order") {
  trace t;
  t.first_minute = 0;
  t.last_minute = 100;
  for (double mb : {512.0, 2048.0}) {
    app_trace a;
    a.info.memory_mb = mb;
    a.minutes = {{0, 1}, {50, 1}};
    t.apps.push_back(a);
  }
  scripted_factory f({{0, 10}});
  auto rs = simulator(t).run(f);
  // Each app: waste 1..10 and 51..60 = 20 minutes.
  CHECK(rs[0].wasted_gb_min == Approx(10.0));
  CHECK(rs[1].wasted_gb_min == Approx(40.0));
}

TEST_CASE("summary: avoidable excludes first invocations; app shares by nearest rank") {
  std::vector<app_result> rs(4);
  // Shares: 100%, 50%, 10%, 0% impossible (first is cold) → 1/1, 1/2, 1/10, 2/4.
  rs[0] = {1, 1, 0, 1.5};
  rs[1] = {2, 1, 0, 0};
  rs[2] = {10, 1, 0, 0};
  rs[3] = {4, 2, 0, 2.5};
  auto s = summarize(rs);
  CHECK(s.apps == 4);
  CHECK(s.invocations == 17);
  CHECK(s.cold_starts == 5);
  CHECK(s.avoidable_cold_starts == 1);
  CHECK(s.cold_start_share == Approx(100.0 * 5 / 17));
  // Sorted shares 10, 50, 50, 100: p50 rank 2 → 50; p75 rank 3 → 50; p90 rank 4 → 100.
  CHECK(s.app_cold_start_p50 == 50);
  CHECK(s.app_cold_start_p75 == 50);
  CHECK(s.app_cold_start_p90 == 100);
  CHECK(s.wasted_gb_min == Approx(4.0));
  CHECK(nearest_rank({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 5) == 1);
  CHECK(nearest_rank({}, 50) == 0);
}

TEST_CASE("summary: apps without invocations do not count") {
  std::vector<app_result> rs(2);
  rs[1] = {3, 1, 0, 0};
  auto s = summarize(rs);
  CHECK(s.apps == 1);
  CHECK(app_cold_start_shares(rs).size() == 1);
}

TEST_CASE("simulator: invocations outside the declared span are still replayed") {
  // Span [10, 12] but invocations at 5 and 20: both replayed. With (0, 3)
  // the one at 20 is cold (idle 14); the waste after 5 (6..8) counts, the
  // tail after 20 lies past 12.
  scripted_factory f({{0, 3}});
  auto t = one_app({{5, 1}, {20, 1}}, 12);
  t.first_minute = 10;
  auto r = simulator(t).run(f).at(0);
  CHECK(r.invocations == 2);
  CHECK(r.cold_starts == 2);
  CHECK(r.wasted_minutes == 3);
}
