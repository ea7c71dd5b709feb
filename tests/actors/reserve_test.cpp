// The warm reserve (sizing, live-load floor, hysteresis, pool hits in the
// broker), spot prices (prediction, spot or on-demand, idle cost), the
// price term of the prewarm threshold, tenant priority in a full reserve,
// and price in the data-center ranking.
#include <catch2/catch.hpp>

#include <thread>

#include <caf/exit_reason.hpp>

#include "fixture.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/actors/router_actor.hpp"
#include "prescient/actors/shard_actor.hpp"
#include "prewarm_threshold.hpp"
#include "spot_market.hpp"
#include "warm_reserve.hpp"

using namespace prescient;

namespace {

constexpr int64_t sec = 1'000'000;
constexpr int64_t minute = 60 * sec;
constexpr int64_t step = 5 * minute;
constexpr int64_t hour = 60 * minute;
constexpr int64_t day = 24 * hour;

demand_forecast forecast_of(std::vector<double> point, std::vector<double> upper) {
  demand_forecast f;
  f.app = "ide";
  f.point = std::move(point);
  f.upper95 = std::move(upper);
  f.lower95.assign(f.point.size(), 0);
  return f;
}

warm_reserve_options lead(int64_t lead_us, double margin = 0.5, int scale_in_after = 3) {
  warm_reserve_options o;
  o.lead_us = lead_us;
  o.margin = margin;
  o.scale_in_after = scale_in_after;
  return o;
}

} // namespace

// ---- sizing (hand-computed)

TEST_CASE("reserve demand covers the lead time from the forecast plus a margin") {
  auto f = forecast_of({6, 12, 30}, {10, 20, 40});
  // From 150 s into step 0, 300 s ahead: half of step 0 at 6 + 0.5 * 4 = 8,
  // half of step 1 at 12 + 0.5 * 8 = 16: 4 + 8 = 12.
  CHECK(demand_over_lead(f, 0, step, 150 * sec, step, 0.5) == Approx(12));
  // Point only (margin 0): 3 + 6; the upper bound (margin 1): 5 + 10.
  CHECK(demand_over_lead(f, 0, step, 150 * sec, step, 0) == Approx(9));
  CHECK(demand_over_lead(f, 0, step, 150 * sec, step, 1) == Approx(15));
  // Ten minutes from the start of step 1: steps 1 and 2 whole.
  CHECK(demand_over_lead(f, 0, step, step, 2 * step, 0) == Approx(42));
  // Beyond the forecast counts nothing.
  CHECK(demand_over_lead(f, 0, step, 2 * step, 10 * step, 0) == Approx(30));
}

TEST_CASE("the reserve target rounds the demand up and is capped by the pool") {
  warm_reserve r(lead(step));
  auto f = forecast_of({6, 12}, {10, 20});
  CHECK(r.target("ide", f, 0, step, 150 * sec, 100) == 12);
  warm_reserve capped(lead(step));
  CHECK(capped.target("ide", f, 0, step, 150 * sec, 5) == 5);
  warm_reserve off(lead(0));
  CHECK_FALSE(off.enabled());
  CHECK(off.target("ide", f, 0, step, 150 * sec, 100) == 0);
  // Forecast steps to ask for: from the open step to the end of the lead.
  CHECK(r.horizon_steps(0, step, 150 * sec) == 2);
  CHECK(r.horizon_steps(0, step, 0) == 1);
  CHECK(r.horizon_steps(0, step, 10 * step + 1) == 12); // after a quiet spell
}

TEST_CASE("the reserve is never scaled below the live load on a forecast alone") {
  warm_reserve r(lead(step, 0.5, 1));
  auto quiet = forecast_of({0, 0}, {0.5, 0.5});
  for (int k = 0; k < 4; ++k)
    r.claimed("ide", 100 * sec + k * sec);
  // The forecast says 0.5 claims; four came in the last five minutes.
  CHECK(r.recent_claims("ide", 200 * sec) == 4);
  CHECK(r.target("ide", quiet, 0, step, 200 * sec, 100) == 4);
  // Once they are older than the lead time the forecast decides again.
  CHECK(r.recent_claims("ide", 100 * sec + step) == 3);
  CHECK(r.target("ide", quiet, 0, step, 110 * sec + step, 100) == 1);
}

TEST_CASE("the reserve grows at once and shrinks only after a quiet spell") {
  warm_reserve r(lead(step, 0, 3));
  auto busy = forecast_of({8}, {8});
  auto calm = forecast_of({2}, {2});
  auto mid = forecast_of({4}, {4});
  CHECK(r.target("ide", busy, 0, step, 0, 100) == 8);
  CHECK(r.target("ide", calm, 0, step, 0, 100) == 8); // 1st below
  CHECK(r.target("ide", mid, 0, step, 0, 100) == 8);  // 2nd
  CHECK(r.target("ide", calm, 0, step, 0, 100) == 4); // 3rd: the highest meanwhile
  CHECK(r.target("ide", busy, 0, step, 0, 100) == 8); // up at once
  CHECK(r.target("ide", calm, 0, step, 0, 100) == 8); // a blip does not shrink it
  CHECK(r.target("ide", busy, 0, step, 0, 100) == 8);
  CHECK(r.target("ide", calm, 0, step, 0, 100) == 8);
}

// ---- spot prices

namespace {

data_center_spec spot_dc() {
  data_center_spec dc{"dc-s", "eu", {}, {{"eu", 5}}, 0.05, 0};
  // A daily peak: 0.01 all day but 0.03 from 12:00 to 14:00 (day 0).
  dc.spot_prices = {{0, 0.01}, {12 * hour, 0.03}, {14 * hour, 0.01}};
  dc.spot_ceiling = 0.02;
  return dc;
}

} // namespace

TEST_CASE("the spot price in force is the latest point at or before the time") {
  auto dc = spot_dc();
  CHECK(spot_price_at(dc, -hour) == Approx(0.01)); // before the series
  CHECK(spot_price_at(dc, 12 * hour) == Approx(0.03));
  CHECK(spot_price_at(dc, 13 * hour) == Approx(0.03));
  CHECK(spot_price_at(dc, 20 * hour) == Approx(0.01));
  dc.spot_prices.clear();
  dc.price_spot = 0.015;
  CHECK(spot_price_at(dc, 20 * hour) == Approx(0.015));
}

TEST_CASE("spot is used while the predicted price stays under the ceiling") {
  auto dc = spot_dc();
  // Day 0, 09:00 - 09:15: recent level 0.01, a day earlier unknown (0.01).
  CHECK(spot_price_bound(dc, 9 * hour, 9 * hour + 15 * minute) == Approx(0.01));
  CHECK(use_spot(dc, 9 * hour, 9 * hour + 15 * minute));
  CHECK(capacity_price(dc, 9 * hour, 9 * hour + 15 * minute) == Approx(0.01));
  // Day 0 at 12:30: the price is 0.03 now, over the ceiling: on-demand.
  CHECK_FALSE(use_spot(dc, 12 * hour + 30 * minute, 12 * hour + 45 * minute));
  CHECK(capacity_price(dc, 12 * hour + 30 * minute, 12 * hour + 45 * minute)
        == Approx(0.05));
  // Day 1 at 11:50: 0.01 now, but yesterday's window reached the 12:00 peak.
  auto at = day + 11 * hour + 50 * minute;
  CHECK(spot_price_bound(dc, at, at + 15 * minute) == Approx(0.03));
  CHECK_FALSE(use_spot(dc, at, at + 15 * minute));
  // Day 1 at 11:30 with a 15-minute window: yesterday's window ended before it.
  at = day + 11 * hour + 30 * minute;
  CHECK(use_spot(dc, at, at + 15 * minute));
  // Points after `from` are not known yet, even if the series has them.
  CHECK(spot_price_bound(dc, 11 * hour + 50 * minute, 12 * hour + 30 * minute)
        == Approx(0.01));
  // No ceiling, or no spot: never.
  dc.spot_ceiling = 0;
  CHECK_FALSE(use_spot(dc, 9 * hour, 9 * hour + 15 * minute));
  dc = spot_dc();
  dc.spot_prices.clear();
  CHECK_FALSE(use_spot(dc, 9 * hour, 9 * hour + 15 * minute));
}

// ---- the threshold and the price of idle capacity

TEST_CASE("the prewarm threshold rises with the price of idle capacity") {
  prewarm_threshold t(0.8);
  CHECK(t.at(0.2) == Approx(0.8)); // on-demand: as before
  CHECK(t.at(0.2, 1.0) == Approx(0.8));
  CHECK(t.at(0.2, 0.5) == Approx(0.75)); // spot at half the price
  CHECK(t.at(0.2, 2.0) == Approx(0.9));
  CHECK(t.at(0.2, 9.0) == Approx(0.9)); // clamped
  CHECK(t.at(0.2, 0.2) < t.at(0.2, 0.6));
  CHECK(t.at(0.2, 0.6) < t.at(0.2, 1.5));
  // Busy and expensive adds up, within the bounds.
  CHECK(t.at(1.0, 2.0) == Approx(0.99));
}

// ---- price in the data-center ranking

TEST_CASE("at equal latency the data center with cheaper warm capacity comes first") {
  std::vector<data_center_spec> dcs{
    {"a", "eu", {}, {{"eu", 5}}, 0.05, 0.01},
    {"b", "eu", {}, {{"eu", 5}}, 0.04, 0.03},
    {"c", "eu", {}, {{"eu", 9}}, 0.001, 0.001}, // cheapest but farther
  };
  tenant_policy any{"t", {}, 0.5, 0};
  // No spot ceiling: on-demand prices decide.
  CHECK(rank_data_centers(dcs, any, "eu", 0) == std::vector<size_t>{1, 0, 2});
  // A ceiling of 0.02: a's spot (0.01) beats b's on-demand (0.04; its spot
  // is over the ceiling).
  for (auto& dc : dcs)
    dc.spot_ceiling = 0.02;
  CHECK(rank_data_centers(dcs, any, "eu", 0) == std::vector<size_t>{0, 1, 2});
  // a's spot series rises over the ceiling at 10:00: back to on-demand.
  dcs[0].spot_prices = {{0, 0.01}, {10 * hour, 0.05}};
  CHECK(rank_data_centers(dcs, any, "eu", 9 * hour) == std::vector<size_t>{0, 1, 2});
  CHECK(rank_data_centers(dcs, any, "eu", 11 * hour) == std::vector<size_t>{1, 0, 2});
}

// ---- the broker: reserve instances, spot holds, priority

namespace {

constexpr int64_t t0 = 1'750'032'000'000'000 - 1'750'032'000'000'000 % day; // 00:00

struct reserve_fixture : test::actor_fixture {
  data_center_spec spec{"dc-r", "eu-west", {4000, 8192, 1000, 1000, 1}, {{"eu-west", 2}}, 0.05, 0.01};

  caf::expected<grant> claim(const broker_actor& b, const std::string& user,
                             const std::string& app, int64_t at, double cpu = 100) {
    resource_request r{"demo", user, "d", app, "eu-west", at, {cpu, 128, 0, 0, 0}};
    caf::expected<grant> out{caf::error{}};
    (*self)->request(b, timeout, claim_atom::value, r)
      .receive([&](grant& g) { out = std::move(g); },
               [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  hold_reply hold(const broker_actor& b, const std::string& tenant,
                  const std::string& user, int32_t priority, double confidence,
                  int64_t at, double cpu = 500) {
    hold_request r;
    r.tenant = tenant;
    r.user = user;
    r.app = "ide";
    r.resources = {cpu, 1024, 0, 0, 0};
    r.confidence = confidence;
    r.time_us = at;
    r.priority = priority;
    return ask<hold_reply>(b, hold_atom::value, r);
  }

  broker_stats stats(const broker_actor& b) {
    return ask<broker_stats>(b, status_atom::value);
  }

  /// A broker with a five-minute reserve after `n` claims of "ide" and a
  /// tick one minute later.
  broker_actor warmed_up(int n) {
    spec.reserve.lead_us = step;
    auto b = spawn_broker(*sys, *db, spec);
    for (int k = 0; k < n; ++k)
      REQUIRE(claim(b, "u" + std::to_string(k), "ide", t0 + k * sec));
    tick(b, t0 + minute);
    return b;
  }

  void tick(const broker_actor& b, int64_t at) {
    (*self)->send(b, tick_atom::value, at);
  }

  void wait_for_refits(const broker_actor& b) {
    for (int tries = 0; tries < 600 && stats(b).forecast_refits_pending > 0; ++tries)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
};

} // namespace

TEST_CASE_METHOD(reserve_fixture, "claims of an app keep a warm reserve that serves the next claim") {
  // One minute later the reserve holds at least the live load: four in
  // five minutes (the forecast has too little history to say more).
  auto b = warmed_up(4);
  auto s = stats(b);
  CHECK(s.reserve_live >= 4);
  CHECK(s.holds_live == 0); // reserve instances are not holds of users
  CHECK(s.warm_on_demand == s.reserve_live); // no spot ceiling configured
  CHECK(s.reserve_misses == 4);
  CHECK(s.status.cpu_used_millicores == Approx(100 * (4 + s.reserve_live)));
  // A user with no hold of their own gets a reserve instance.
  auto g = claim(b, "zed", "ide", t0 + minute + sec);
  REQUIRE(g);
  CHECK(g->path == grant_path::prewarmed);
  s = stats(b);
  CHECK(s.reserve_hits == 1);
  CHECK(s.reserve_idle_cpu_s == Approx(0.1 * 1)); // waited one second
  CHECK(s.holds_claimed == 0);                    // not a prediction's hit
  // No reserve for an app never claimed.
  auto cold = claim(b, "zed", "render", t0 + minute + 2 * sec);
  REQUIRE(cold);
  CHECK(cold->path == grant_path::reactive);
  CHECK(stats(b).reserve_misses == 5);
}

TEST_CASE_METHOD(reserve_fixture, "reserve instances go on spot under the ceiling") {
  spec.spot_ceiling = 0.02; // spot at 0.01 throughout
  auto b = warmed_up(2);
  auto s = stats(b);
  CHECK(s.reserve_live >= 2);
  CHECK(s.warm_spot == s.reserve_live);
  CHECK(s.warm_on_demand == 0);
}

TEST_CASE_METHOD(reserve_fixture, "the reserve survives a restart through the ledger") {
  auto b = warmed_up(3);
  auto before = stats(b);
  REQUIRE(before.reserve_live >= 3);
  (*self)->send_exit(b, caf::exit_reason::kill);
  (*self)->wait_for(b);
  auto again = spawn_broker(*sys, *db, spec);
  auto after = stats(again);
  CHECK(after.reserve_live == before.reserve_live);
  CHECK(after.status.cpu_used_millicores == Approx(before.status.cpu_used_millicores));
  auto g = claim(again, "zed", "ide", t0 + minute + sec);
  REQUIRE(g);
  CHECK(g->path == grant_path::prewarmed);
}

TEST_CASE_METHOD(reserve_fixture, "the reserve follows the forecast ahead of the morning rise") {
  spec.capacity = {1e9, 1e9, 1e9, 1e9, 1e6};
  spec.reserve.lead_us = 2 * step;
  spec.reserve.margin = 0;
  auto b = spawn_broker(*sys, *db, spec);
  // Four days: "ide" is claimed only from 08:00 to 18:00, four a step;
  // nothing else at night. (The forecaster uses the daily season once it
  // has three whole days; quiet steps are closed by the next claim, so the
  // fourth day's claims bring the fit that knows the shape.)
  auto busy = [](int64_t s) {
    auto h = (s % 288) / 12;
    return h >= 8 && h < 18;
  };
  for (int64_t s = 0; s < 4 * 288 + 3 * 12; ++s) { // until 03:00 of day 5
    tick(b, t0 + s * step);
    if (busy(s))
      for (int k = 0; k < 4; ++k)
        REQUIRE(claim(b, "u" + std::to_string(k), "ide", t0 + s * step + k * sec, 1));
    if (s % 288 == 0)
      wait_for_refits(b);
  }
  wait_for_refits(b);
  // 03:00, night: no live load; the forecast for the next ten minutes is
  // close to nothing, so the reserve has shrunk.
  auto night = t0 + 4 * day + 3 * hour;
  for (int m = 0; m <= 10; ++m)
    tick(b, night + m * minute);
  auto at_night = stats(b).reserve_live;
  CHECK(at_night == 0);
  // 07:58: still no claim since 18:00, but the next ten minutes are two
  // of the quiet step and eight of the busy ones (4 a step): 0 + 4 + 2.4,
  // rounded up: the forecast alone raises the reserve to 7.
  for (int64_t t = night + 11 * minute; t <= t0 + 4 * day + 7 * hour + 58 * minute;
       t += minute)
    tick(b, t);
  auto before_rise = stats(b).reserve_live;
  CHECK(before_rise == 7);
  // The first claim of the morning finds a warm instance.
  auto g = claim(b, "early", "ide", t0 + 4 * day + 8 * hour);
  REQUIRE(g);
  CHECK(g->path == grant_path::prewarmed);
}

TEST_CASE_METHOD(reserve_fixture, "holds go on spot under the ceiling, on-demand above, and cost their price idle") {
  struct spot_case {
    double price_spot;
    double threshold; ///< 0.8 + 0.1 * (price of a hold / on-demand - 1)
    bool spot;
    double price;
  };
  spec.spot_ceiling = 0.02;
  for (auto c : {spot_case{0.01, 0.72, true, 0.01}, spot_case{0.03, 0.8, false, 0.05}}) {
    INFO("spot at " << c.price_spot);
    spec.price_spot = c.price_spot;
    spec.name = "dc-" + std::to_string(c.price_spot);
    auto b = spawn_broker(*sys, *db, spec);
    auto h = hold(b, "demo", "ann", 0, 0.9, t0);
    REQUIRE(h.held);
    CHECK(h.threshold == Approx(c.threshold));
    tick(b, t0 + 16 * minute); // expires unclaimed after 15 minutes
    auto s = stats(b);
    CHECK(s.warm_spot == (c.spot ? 1 : 0));
    CHECK(s.warm_on_demand == (c.spot ? 0 : 1));
    // Half a core for a quarter hour at the price it was held at.
    CHECK(s.idle_warm_cost == Approx(0.5 * 0.25 * c.price));
  }
}

TEST_CASE_METHOD(reserve_fixture, "a higher-priority tenant's hold displaces a lower one's in a full reserve") {
  auto b = spawn_broker(*sys, *db, spec); // reserve: 2000 mc = four holds of 500
  for (int k = 0; k < 4; ++k)
    REQUIRE(hold(b, "low", "l" + std::to_string(k), 0, 0.9 + 0.01 * k, t0).held);
  // Equal priority: refused, the reserve is full.
  auto same = hold(b, "peer", "p", 0, 0.99, t0);
  CHECK_FALSE(same.held);
  CHECK(same.reason.find("reserve") != std::string::npos);
  // Higher priority: the least confident low-priority hold gives way.
  auto high = hold(b, "gold", "g", 5, 0.9, t0);
  CHECK(high.held);
  auto s = stats(b);
  CHECK(s.holds_displaced == 1);
  CHECK(s.holds_live == 4);
  CHECK(s.status.cpu_used_millicores == Approx(2000));
  // Not enough lower-priority holds to make room: nothing is displaced.
  // (Three low holds of 500 left; a priority-1 hold of 2000 would need four.)
  auto big = hold(b, "silver", "s", 1, 0.9, t0, 2000);
  CHECK_FALSE(big.held);
  CHECK(stats(b).holds_displaced == 1);
  CHECK(stats(b).holds_live == 4);
  // The displaced one was l0 (confidence 0.90): its claim is cold now.
  resource_request r{"low", "l0", "d", "ide", "eu-west", t0 + sec, {500, 1024, 0, 0, 0}};
  (*self)->request(b, timeout, claim_atom::value, r)
    .receive([](grant& g) { CHECK(g.path == grant_path::reactive); },
             [](caf::error& e) { FAIL(describe(e)); });
  r.user = "l1";
  (*self)->request(b, timeout, claim_atom::value, r)
    .receive([](grant& g) { CHECK(g.path == grant_path::prewarmed); },
             [](caf::error& e) { FAIL(describe(e)); });
}

TEST_CASE_METHOD(reserve_fixture, "the router passes the tenant's priority with its holds") {
  shard_options so;
  auto shard = spawn_shard(*sys, *db, so);
  auto broker = spawn_broker(*sys, *db, spec); // reserve: four holds of 500
  router_options ro;
  ro.shards = {shard};
  ro.data_centers.push_back({spec, broker});
  ro.tenants.push_back({"low", {}, 1.0, 0});
  ro.tenants.push_back({"peer", {}, 1.0, 0});
  ro.tenants.push_back({"gold", {}, 1.0, 5});
  auto router = spawn_router(*sys, ro);
  auto via_router = [&](const std::string& tenant, const std::string& user) {
    hold_request r;
    r.tenant = tenant;
    r.user = user;
    r.app = "ide";
    r.resources = {500, 1024, 0, 0, 0};
    r.confidence = 0.9;
    r.time_us = t0;
    r.priority = 99; // the router's configuration decides, not the sender
    return ask<hold_reply>(router, hold_atom::value, r);
  };
  for (int k = 0; k < 4; ++k)
    REQUIRE(via_router("low", "l" + std::to_string(k)).held);
  CHECK_FALSE(via_router("peer", "p").held); // equal priority: the reserve is full
  CHECK(via_router("gold", "g").held);
  CHECK(stats(broker).holds_displaced == 1);
  (*self)->send_exit(router, caf::exit_reason::user_shutdown); // it ticks forever
}
