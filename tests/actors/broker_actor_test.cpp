// The broker: capacity accounting, release checks, and a restart that
// restores every grant from the ledger.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

#include "broker_calls.hpp"
#include "fixture.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/errc.hpp"

using namespace prescient;

namespace {

struct broker_fixture : test::actor_fixture {
  data_center_spec spec{"dc-a", "eu-west", {4000, 8192, 1000, 1000, 1}, {{"eu-west", 2}}, 0.05, 0.01};

  caf::expected<grant> claim(const broker_actor& b, double cpu, const std::string& user = "u") {
    resource_request r{"demo", user, "d", "ide", "eu-west", 1, {cpu, 1024, 0, 0, 0}};
    return test::claim_of(*this, b, r);
  }

  caf::error release(const broker_actor& b, const std::string& user,
                     const std::string& instance) {
    return test::release_at(*this, b, user, instance);
  }

  static constexpr int64_t step = 5LL * 60 * 1'000'000;
  const int64_t start = 1'750'032'000'000'000 - 1'750'032'000'000'000 % (86'400'000'000LL);

  /// Busy from 08:00 to 18:00 (6 requests a step), quiet at night (1).
  static int daily(int64_t s) {
    auto hour = (s % 288) / 12;
    return hour >= 8 && hour < 18 ? 6 : 1;
  }

  /// Claims `n` small instances in 5-minute step `s` after `start`.
  void serve(const broker_actor& b, int64_t s, int n) {
    for (int k = 0; k < n; ++k) {
      resource_request r{"demo", "u" + std::to_string(k), "d", k % 2 ? "ide" : "render",
                         "eu-west", start + s * step + k * 1'000'000, {1, 1, 0, 0, 0}};
      (*self)->request(b, timeout, claim_atom::value, r)
        .receive([](const grant&) {}, [](caf::error& e) { FAIL(describe(e)); });
    }
  }

  /// Refits run beside the broker; waits until the last one has landed.
  void wait_for_refits(const broker_actor& b) {
    for (int tries = 0; tries < 600; ++tries) {
      if (stats(b).forecast_refits_pending == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  broker_stats stats(const broker_actor& b) {
    return test::stats_of(*this, b);
  }
};

} // namespace

TEST_CASE_METHOD(broker_fixture, "a broker grants within capacity, once per instance") {
  auto b = spawn_broker(*sys, *db, spec);
  auto g1 = claim(b, 3000);
  REQUIRE(g1);
  CHECK(g1->data_center == "dc-a");
  CHECK(g1->path == grant_path::reactive);
  auto full = claim(b, 1500);
  REQUIRE_FALSE(full);
  CHECK(describe(full.error()).find("no room") != std::string::npos);
  auto g2 = claim(b, 1000);
  REQUIRE(g2);
  CHECK(g2->instance != g1->instance);
  CHECK(stats(b).status.cpu_used_millicores == Approx(4000));
  CHECK(stats(b).refusals == 1);

  auto wrong_user = release(b, "mallory", g1->instance);
  REQUIRE(wrong_user);
  CHECK(describe(wrong_user).find("not granted") != std::string::npos);
  CHECK_FALSE(release(b, "u", g1->instance));
  CHECK(release(b, "u", g1->instance)); // twice: refused
  CHECK(stats(b).status.instances_granted == 1);
}

TEST_CASE_METHOD(broker_fixture, "a restarted broker restores its grants from the ledger") {
  std::string kept;
  {
    auto b = spawn_broker(*sys, *db, spec);
    kept = claim(b, 1000, "x")->instance;
    auto gone = claim(b, 1000, "y")->instance;
    REQUIRE_FALSE(release(b, "y", gone));
    (*self)->send_exit(b, caf::exit_reason::kill);
    (*self)->wait_for(b);
  }
  reopen_db();
  auto b = spawn_broker(*sys, *db, spec);
  auto s = stats(b);
  CHECK(s.status.instances_granted == 1);
  CHECK(s.status.cpu_used_millicores == Approx(1000));
  auto next = claim(b, 1000, "z");
  REQUIRE(next);
  CHECK(next->instance != kept); // numbering continues after the restored ones
  CHECK_FALSE(release(b, "x", kept));
}

TEST_CASE_METHOD(broker_fixture, "a broker forecasts the daily shape of the demand it serves") {
  spec.capacity = {1e12, 1e12, 1e12, 1e12, 1e6};
  auto b = spawn_broker(*sys, *db, spec);
  for (int64_t s = 0; s < 3 * 288; ++s) // three days
    serve(b, s, daily(s));
  wait_for_refits(b);
  data_center_forecast f;
  (*self)->request(b, timeout, forecast_atom::value, uint32_t{288})
    .receive([&](data_center_forecast& x) { f = std::move(x); },
             [](caf::error& e) { FAIL(describe(e)); });
  CHECK(f.data_center == "dc-a");
  CHECK(f.step_s == 300);
  CHECK(f.observations == 3 * 288 - 1); // the last step is still open
  REQUIRE(f.series.size() == 3);
  CHECK(f.series[0].app == "*");
  const auto& total = f.series[0];
  REQUIRE(total.point.size() == 288);
  REQUIRE(total.lower95.size() == 288);
  // Step 1 is the open step (the last of day 3, 23:55); step h starts at
  // 23:55 + (h-1) * 5 min. Day hours of day 4 must come out busier than night.
  double day = 0, night = 0;
  for (int h = 1; h <= 288; ++h) {
    auto minute = (23 * 60 + 55 + (h - 1) * 5) % (24 * 60);
    (minute >= 9 * 60 && minute < 17 * 60 ? day : night) += total.point[h - 1];
    CHECK(total.point[h - 1] >= 0);
    CHECK(total.lower95[h - 1] <= total.point[h - 1] + 1e-9);
    CHECK(total.upper95[h - 1] >= total.point[h - 1] - 1e-9);
  }
  CHECK(day / (8 * 12) > 3 * (night / (288 - 8 * 12)));
}

// ---- holds: pre-warmed capacity for predicted uses, in event time
namespace {

constexpr int64_t t0 = 1'750'000'000'000'000;
constexpr int64_t minute = 60'000'000;

hold_reply hold(test::actor_fixture& f, const broker_actor& b, const std::string& user,
                double confidence, int64_t at, double cpu = 500, double share = 1) {
  hold_request r;
  r.tenant = "demo";
  r.user = user;
  r.app = "ide";
  r.resources = {cpu, 1024, 0, 0, 0};
  r.confidence = confidence;
  r.time_us = at;
  r.max_reserve_share = share;
  hold_reply out;
  (*f.self)->request(b, f.timeout, hold_atom::value, r)
    .receive([&](hold_reply& x) { out = std::move(x); },
             [](caf::error& e) { FAIL(describe(e)); });
  return out;
}

caf::expected<grant> claim_at(test::actor_fixture& f, const broker_actor& b,
                              const std::string& user, int64_t at) {
  resource_request r{"demo", user, "d", "ide", "eu-west", at, {500, 1024, 0, 0, 0}};
  return test::claim_of(f, b, r);
}

} // namespace

TEST_CASE_METHOD(broker_fixture, "a hold is claimed as a prewarmed grant, once") {
  auto b = spawn_broker(*sys, *db, spec);
  auto h = hold(*this, b, "ann", 0.95, t0);
  REQUIRE(h.held);
  CHECK(h.expires_us == t0 + 15 * minute);
  CHECK(h.threshold == Approx(0.8));
  CHECK(stats(b).status.cpu_used_millicores == Approx(500));
  auto g = claim_at(*this, b, "ann", t0 + 2 * minute);
  REQUIRE(g);
  CHECK(g->path == grant_path::prewarmed);
  CHECK(g->instance == h.instance); // the warm instance itself
  auto again = claim_at(*this, b, "ann", t0 + 3 * minute);
  REQUIRE(again);
  CHECK(again->path == grant_path::reactive); // the hold was used up
  auto s = stats(b);
  CHECK(s.holds_claimed == 1);
  CHECK(s.holds_live == 0);
  CHECK(s.status.cpu_used_millicores == Approx(1000)); // two live grants
}

TEST_CASE_METHOD(broker_fixture, "a hold below the threshold is refused; an unclaimed one expires") {
  auto b = spawn_broker(*sys, *db, spec);
  auto low = hold(*this, b, "bob", 0.5, t0);
  CHECK_FALSE(low.held);
  CHECK(low.reason.find("below") != std::string::npos);
  REQUIRE(hold(*this, b, "bob", 0.9, t0).held);
  (*self)->send(b, tick_atom::value, t0 + 16 * minute);
  auto s = stats(b);
  CHECK(s.holds_expired == 1);
  CHECK(s.holds_live == 0);
  CHECK(s.status.cpu_used_millicores == Approx(0));
  CHECK(s.idle_warm_cpu_s == Approx(0.5 * 15 * 60)); // half a core, 15 minutes
  CHECK(s.prewarm_threshold > 0.8);                  // a miss raises it
  CHECK(claim_at(*this, b, "bob", t0 + 17 * minute)->path == grant_path::reactive);
}

TEST_CASE_METHOD(broker_fixture, "a claimed hold was idle warm capacity from placement to the claim") {
  auto b = spawn_broker(*sys, *db, spec);
  REQUIRE(hold(*this, b, "fay", 0.9, t0).held);
  REQUIRE(hold(*this, b, "gus", 0.9, t0).held);
  REQUIRE(claim_at(*this, b, "fay", t0 + 4 * minute)->path == grant_path::prewarmed);
  auto s = stats(b);
  CHECK(s.idle_warm_mb_s == Approx(1024 * 4 * 60)); // 1 GB for 4 minutes; gus still waits
  CHECK(s.idle_warm_cpu_s == Approx(0.5 * 4 * 60));
  (*self)->send(b, tick_atom::value, t0 + 15 * minute); // gus's expires unclaimed
  CHECK(stats(b).idle_warm_mb_s == Approx(1024 * (4 + 15) * 60));
}

TEST_CASE_METHOD(broker_fixture, "a batch is applied as its messages would be: releases, holds, claims") {
  auto b = spawn_broker(*sys, *db, spec);
  auto first = claim_at(*this, b, "hal", t0);
  REQUIRE(first);
  broker_batch batch;
  batch.releases = {{"demo", "hal", first->instance}, {"demo", "hal", "no-such-instance"}};
  hold_request h;
  h.tenant = "demo";
  h.user = "ida";
  h.app = "ide";
  h.resources = {500, 1024, 0, 0, 0};
  h.confidence = 0.9;
  h.time_us = t0 + minute;
  batch.holds = {h};
  batch.claims = {{"demo", "ida", "d", "ide", "eu-west", t0 + minute, {500, 1024, 0, 0, 0}},
                  {"demo", "jon", "d", "ide", "eu-west", t0 + minute, {1e9, 1024, 0, 0, 0}}};
  broker_batch_reply r;
  (*self)->request(b, timeout, batch_atom::value, batch)
    .receive([&](broker_batch_reply& x) { r = std::move(x); },
             [](caf::error& e) { FAIL(describe(e)); });
  REQUIRE(r.release_errors.size() == 2);
  CHECK(r.release_errors[0].empty());
  CHECK(r.release_errors[1].find("no-such-instance") != std::string::npos);
  REQUIRE(r.holds.size() == 1);
  REQUIRE(r.holds[0].held);
  REQUIRE(r.grants.size() == 2);
  REQUIRE(r.claim_errors.size() == 2);
  CHECK(r.claim_errors[0].empty());
  CHECK(r.grants[0].path == grant_path::prewarmed); // the hold of the same batch
  CHECK(r.grants[0].instance == r.holds[0].instance);
  CHECK(r.grants[1].instance.empty());
  CHECK(r.claim_errors[1].find("no room") != std::string::npos);
  auto s = stats(b);
  CHECK(s.releases == 1);
  CHECK(s.refusals == 1);
}

TEST_CASE_METHOD(broker_fixture, "the threshold falls while holds are claimed more often than the target") {
  auto b = spawn_broker(*sys, *db, spec);
  for (int i = 0; i < 20; ++i) {
    auto at = t0 + i * minute;
    REQUIRE(hold(*this, b, "cat", 0.99, at).held);
    auto g = claim_at(*this, b, "cat", at + 1);
    REQUIRE(g->path == grant_path::prewarmed);
    REQUIRE_FALSE(release(b, "cat", g->instance));
  }
  CHECK(stats(b).prewarm_threshold < 0.8 - 0.05);
}

TEST_CASE_METHOD(broker_fixture, "one tenant cannot take the whole reserve") {
  auto b = spawn_broker(*sys, *db, spec); // 4000 mc: reserve 2000, share 0.5 -> 1000
  CHECK(hold(*this, b, "u1", 0.9, t0, 600, 0.5).held);
  auto over = hold(*this, b, "u2", 0.9, t0, 600, 0.5);
  CHECK_FALSE(over.held);
  CHECK(over.reason.find("share") != std::string::npos);
  CHECK(stats(b).holds_refused == 1);
}

TEST_CASE_METHOD(broker_fixture, "holds survive a crash of the broker through the ledger") {
  auto b = spawn_broker(*sys, *db, spec);
  auto h = hold(*this, b, "dan", 0.9, t0);
  REQUIRE(h.held);
  (*self)->send_exit(b, caf::exit_reason::kill);
  (*self)->wait_for(b);
  auto again = spawn_broker(*sys, *db, spec);
  auto s = stats(again);
  CHECK(s.holds_live == 1);
  CHECK(s.status.cpu_used_millicores == Approx(500));
  auto g = claim_at(*this, again, "dan", t0 + minute);
  REQUIRE(g);
  CHECK(g->path == grant_path::prewarmed);
  CHECK(g->instance == h.instance);
  // Expiry after a restart releases what the ledger held.
  REQUIRE(hold(*this, again, "eve", 0.9, t0 + minute).held);
  (*self)->send(again, tick_atom::value, t0 + 30 * minute);
  CHECK(stats(again).holds_live == 0);
}

TEST_CASE_METHOD(broker_fixture, "concurrent claims for one hold: exactly one gets the warm instance") {
  auto b = spawn_broker(*sys, *db, spec);
  auto h = hold(*this, b, "gus", 0.9, t0);
  REQUIRE(h.held);
  // Eight clients claim for the same user at once (a retried request, two
  // devices): the hold is granted once, the rest go the reactive way.
  constexpr int claimants = 8;
  auto collector = caf::actor_cast<caf::actor>(*self);
  for (int i = 0; i < claimants; ++i)
    sys->spawn([b, collector, i](caf::event_based_actor* c) {
      resource_request r{"demo", "gus", "d" + std::to_string(i), "ide", "eu-west",
                         t0 + minute, {100, 128, 0, 0, 0}};
      c->request(b, std::chrono::seconds(10), claim_atom::value, r)
        .then([c, collector](grant& g) { c->send(collector, g); },
              [c, collector](caf::error& e) { c->send(collector, e); });
    });
  int warm = 0, cold = 0;
  std::set<std::string> instances;
  for (int i = 0; i < claimants; ++i)
    (*self)->receive(
      [&](grant& g) {
        (g.path == grant_path::prewarmed ? warm : cold) += 1;
        instances.insert(g.instance);
      },
      [](caf::error& e) { FAIL(describe(e)); });
  CHECK(warm == 1);
  CHECK(cold == claimants - 1);
  CHECK(instances.size() == claimants); // every instance granted once
  CHECK(instances.count(h.instance) == 1);
}

TEST_CASE_METHOD(broker_fixture, "a demand spike outside the forecast interval is flagged") {
  spec.capacity = {1e12, 1e12, 1e12, 1e12, 1e6};
  auto b = spawn_broker(*sys, *db, spec);
  int64_t spike = 3 * 288 + 2 * 12; // 02:00 of day 4: one request expected
  for (int64_t s = 0; s < spike; ++s) // three days and two hours of the shape
    serve(b, s, daily(s));
  wait_for_refits(b);
  serve(b, spike, 60);
  serve(b, spike + 1, 1); // closes the spike's step
  std::vector<anomaly> flags;
  (*self)->request(b, timeout, anomalies_atom::value, uint32_t{10})
    .receive([&](std::vector<anomaly>& x) { flags = std::move(x); },
             [](caf::error& e) { FAIL(describe(e)); });
  REQUIRE_FALSE(flags.empty());
  auto& a = flags.front(); // newest: the spike
  INFO(a.reason);
  CHECK(a.data_center == "dc-a");
  CHECK(a.user.empty());
  CHECK(a.kind == "demand_outside_forecast");
  CHECK(a.time_us == start + spike * step);
  CHECK(a.reason.find("60 requests in a 5-minute step above the 95% interval") == 0);
  CHECK(stats(b).anomalies_flagged == flags.size());
}
