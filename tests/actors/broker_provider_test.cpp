// A broker driving its provider: holds start warm instances, claims get them
// handed over (or wait for them, or start cold ones), failures fall back or
// answer clearly, and a restart reconciles the ledger with what the provider
// still runs. A simulated provider with fixed delays, so every wait is exact.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

#include "broker_calls.hpp"
#include "fixture.hpp"
#include "../providers/process_fixture.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/providers/process_provider.hpp"
#include "prescient/providers/simulated_provider.hpp"

using namespace prescient;
using providers::delay_distribution;

namespace {

constexpr int64_t t0 = 1'750'000'000'000'000;
constexpr int64_t ms = 1'000;
constexpr int64_t minute = 60'000'000;

struct provider_fixture : test::actor_fixture {
  data_center_spec spec{"dc-a", "eu-west", {4000, 8192, 1000, 1000, 1}, {{"eu-west", 2}}, 0.05, 0.01};

  /// Cold start 2 s, 100 ms per warm-up step, hand-over 50 ms.
  providers::simulated_config sim(double failure_rate = 0) const {
    providers::simulated_config c;
    c.data_center = spec.name;
    c.capacity = spec.capacity;
    c.cold_start = delay_distribution::fixed(2000);
    c.warmup_step = delay_distribution::fixed(100);
    c.warm_start = delay_distribution::fixed(50);
    c.failure_rate = failure_rate;
    return c;
  }

  /// "ide" runs two warm-up steps (shadow); other apps get the default template.
  broker_provider simulated(double failure_rate = 0) const {
    broker_provider p;
    p.instances = std::make_unique<providers::simulated_provider>(sim(failure_rate));
    providers::app_template ide;
    ide.name = "ide";
    ide.warmup_steps = {"import numpy", "load kernel"};
    ide.resources = {500, 1024, 0, 0, 0};
    p.apps.emplace("ide", ide);
    return p;
  }

  hold_reply hold(const broker_actor& b, const std::string& user, int64_t at,
                  const std::string& app = "ide") {
    hold_request r;
    r.tenant = "demo";
    r.user = user;
    r.app = app;
    r.resources = {500, 1024, 0, 0, 0};
    r.confidence = 0.95;
    r.time_us = at;
    hold_reply out;
    (*self)->request(b, timeout, hold_atom::value, r)
      .receive([&](hold_reply& x) { out = std::move(x); },
               [](caf::error& e) { FAIL(describe(e)); });
    return out;
  }

  static resource_request request(const std::string& user, int64_t at,
                                  const std::string& app = "ide") {
    return {"demo", user, "d", app, "eu-west", at, {500, 1024, 0, 0, 0}};
  }

  caf::expected<grant> claim(const broker_actor& b, const std::string& user,
                             int64_t at, const std::string& app = "ide") {
    return test::claim_of(*this, b, request(user, at, app));
  }

  caf::error release(const broker_actor& b, const std::string& user,
                     const std::string& instance) {
    return test::release_at(*this, b, user, instance);
  }

  broker_stats stats(const broker_actor& b) {
    return test::stats_of(*this, b);
  }

  void kill(const broker_actor& b) {
    (*self)->send_exit(b, caf::exit_reason::kill);
    (*self)->wait_for(b);
  }
};

} // namespace

TEST_CASE_METHOD(provider_fixture, "a claim gets the hold's warm instance with its endpoint and path") {
  auto b = spawn_broker(*sys, *db, spec, simulated());
  auto shadow = hold(b, "ann", t0);
  auto plain = hold(b, "bob", t0, "calc"); // no template: no warm-up steps
  REQUIRE(shadow.held);
  REQUIRE(plain.held);
  (*self)->send(b, tick_atom::value, t0 + minute); // both are warm by now
  auto g = claim(b, "ann", t0 + 2 * minute);
  REQUIRE(g);
  CHECK(g->instance == shadow.instance);
  CHECK(g->path == grant_path::shadow); // it ran its warm-up steps
  CHECK(g->endpoint == "sim://dc-a/" + shadow.instance);
  CHECK(g->wait_us == 50 * ms); // the hand-over only
  auto p = claim(b, "bob", t0 + 2 * minute, "calc");
  REQUIRE(p);
  CHECK(p->instance == plain.instance);
  CHECK(p->path == grant_path::prewarmed);
  auto s = stats(b);
  CHECK(s.grants_shadow == 1);
  CHECK(s.grants_prewarmed == 1);
  CHECK(s.claims_waited == 0);
  CHECK(s.status.instances_granted == 2);
  CHECK_FALSE(release(b, "ann", g->instance));
  CHECK(stats(b).status.cpu_used_millicores == Approx(500));
}

TEST_CASE_METHOD(provider_fixture, "a claim while the instance warms up waits for it (event time)") {
  auto b = spawn_broker(*sys, *db, spec, simulated());
  auto h = hold(b, "ann", t0);
  REQUIRE(h.held);
  // Ready at t0 + 2 s cold start + 2 × 100 ms steps; claimed at t0 + 1 s.
  auto g = claim(b, "ann", t0 + 1000 * ms);
  REQUIRE(g);
  CHECK(g->instance == h.instance);
  CHECK(g->path == grant_path::shadow);
  CHECK(g->wait_us == 1200 * ms + 50 * ms); // the rest of its warm-up, then the hand-over
  CHECK(stats(b).claims_waited == 1);
}

TEST_CASE_METHOD(provider_fixture, "a live broker answers a waiting claim when its poll finds the instance ready") {
  // The simulated provider on a clock the test moves: the broker cannot jump,
  // it polls on its timer and answers through the response promise.
  auto clock = std::make_shared<std::atomic<int64_t>>(t0);
  auto p = simulated();
  p.clock = [clock] { return clock->load(); };
  auto cfg = sim();
  cfg.cold_start = delay_distribution::fixed(20); // the timer's real wait
  cfg.warmup_step = delay_distribution::fixed(5);
  p.instances = std::make_unique<providers::simulated_provider>(cfg);
  auto b = spawn_broker(*sys, *db, spec, std::move(p));
  auto h = hold(b, "ann", t0);
  REQUIRE(h.held);
  auto pending = (*self)->request(b, timeout, claim_atom::value, request("ann", t0));
  auto s = stats(b); // behind the claim in the broker's mailbox
  CHECK(s.claims_waiting == 1);
  CHECK(s.claims_waited == 1);
  CHECK(s.status.instances_granted == 0); // not handed over yet
  *clock = t0 + 40 * ms;                  // ready at t0 + 30 ms
  caf::expected<grant> g{caf::error{}};
  pending.receive([&](grant& x) { g = std::move(x); },
                  [&](caf::error& e) { g = std::move(e); });
  REQUIRE(g);
  CHECK(g->instance == h.instance);
  CHECK(g->path == grant_path::shadow);
  CHECK(g->wait_us >= 40 * ms + 50 * ms); // waited at least until the clock moved
  CHECK(stats(b).claims_waiting == 0);
}

TEST_CASE_METHOD(provider_fixture, "a miss starts a cold instance and waits the drawn cold start") {
  auto p = simulated();
  auto cfg = sim();
  cfg.cold_start = delay_distribution::uniform(1000, 3000);
  p.instances = std::make_unique<providers::simulated_provider>(cfg);
  auto b = spawn_broker(*sys, *db, spec, std::move(p));
  std::set<int64_t> waits;
  for (int i = 0; i < 4; ++i) {
    auto g = claim(b, "u" + std::to_string(i), t0 + i * minute);
    REQUIRE(g);
    CHECK(g->path == grant_path::reactive);
    CHECK(g->endpoint == "sim://dc-a/" + g->instance);
    CHECK(g->wait_us >= 1000 * ms);
    CHECK(g->wait_us <= 3000 * ms);
    waits.insert(g->wait_us);
  }
  CHECK(waits.size() > 1); // drawn, not fixed
  auto s = stats(b);
  CHECK(s.grants_reactive == 4);
  CHECK(s.status.instances_granted == 4);
}

TEST_CASE_METHOD(provider_fixture, "eight concurrent claims for one hold: one warm grant, the rest cold, none twice") {
  auto b = spawn_broker(*sys, *db, spec, simulated());
  auto h = hold(b, "gus", t0);
  REQUIRE(h.held);
  constexpr int claimants = 8;
  auto collector = caf::actor_cast<caf::actor>(*self);
  for (int i = 0; i < claimants; ++i)
    sys->spawn([b, collector](caf::event_based_actor* c) {
      c->request(b, std::chrono::seconds(10), claim_atom::value,
                 provider_fixture::request("gus", t0 + minute, "ide"))
        .then([c, collector](grant& g) { c->send(collector, g); },
              [c, collector](caf::error& e) { c->send(collector, e); });
    });
  int warm = 0, cold = 0;
  std::set<std::string> instances, endpoints;
  for (int i = 0; i < claimants; ++i)
    (*self)->receive(
      [&](grant& g) {
        if (g.path == grant_path::reactive) {
          ++cold;
          CHECK(g.wait_us == 2000 * ms);
        } else {
          ++warm;
          CHECK(g.path == grant_path::shadow);
          CHECK(g.instance == h.instance);
        }
        instances.insert(g.instance);
        endpoints.insert(g.endpoint);
      },
      [](caf::error& e) { FAIL(describe(e)); });
  CHECK(warm == 1);
  CHECK(cold == claimants - 1);
  CHECK(instances.size() == claimants);
  CHECK(endpoints.size() == claimants);
  CHECK(stats(b).status.cpu_used_millicores == Approx(claimants * 500));
}

TEST_CASE_METHOD(provider_fixture, "failed starts: a hold's falls back to cold, a cold one answers clearly and frees its capacity") {
  auto b = spawn_broker(*sys, *db, spec, simulated(1.0)); // every start fails
  REQUIRE(hold(b, "ann", t0).held);
  auto g = claim(b, "ann", t0 + 1000 * ms); // waits on the hold, which fails, then cold
  REQUIRE_FALSE(g);
  CHECK(describe(g.error()).find("could not start app 'ide'") != std::string::npos);
  CHECK(describe(g.error()).find("simulated start failure") != std::string::npos);
  auto s = stats(b);
  CHECK(s.instances_failed == 2); // the warm instance, then the cold one
  CHECK(s.status.cpu_used_millicores == Approx(0));
  CHECK(s.status.instances_granted == 0);
  CHECK(s.holds_live == 0);
  // Nothing is left in the ledger: a restart restores nothing.
  kill(b);
  auto again = spawn_broker(*sys, *db, spec, simulated());
  CHECK(stats(again).status.cpu_used_millicores == Approx(0));
}

TEST_CASE_METHOD(provider_fixture, "a process data center refuses an app without a template, with the reason") {
  broker_provider p;
  providers::process_config cfg;
  cfg.capacity = spec.capacity;
  p.instances = std::make_unique<providers::process_provider>(cfg);
  p.clock = &providers::process_provider::now_us;
  auto b = spawn_broker(*sys, *db, spec, std::move(p));
  auto g = claim(b, "ann", t0, "notebook");
  REQUIRE_FALSE(g);
  CHECK(describe(g.error()).find("cannot start app 'notebook'") != std::string::npos);
  CHECK(describe(g.error()).find("no command") != std::string::npos);
  auto h = hold(b, "ann", t0, "notebook");
  CHECK_FALSE(h.held);
  CHECK(h.reason.find("no command") != std::string::npos);
  CHECK(stats(b).status.cpu_used_millicores == Approx(0));
}

TEST_CASE_METHOD(provider_fixture, "a restart reconciles the ledger with the provider's instances") {
  std::string held, adopted, lost, kept, died;
  {
    auto b = spawn_broker(*sys, *db, spec, simulated());
    held = hold(b, "ann", t0).instance;
    adopted = hold(b, "eve", t0).instance;
    lost = hold(b, "fay", t0).instance;
    kept = claim(b, "bob", t0 + minute)->instance;
    died = claim(b, "cat", t0 + minute)->instance;
    kill(b);
  }
  // What survived the crash: ann's hold's warm instance, eve's (adopted:
  // shown as handed over), bob's granted one, and one the ledger never
  // recorded (started, then the broker crashed); fay's hold's and cat's
  // grant's instances died.
  auto p = simulated();
  p.reconcile = true;
  auto& survivors = *p.instances;
  providers::app_template app{"ide", {}, {}, {500, 1024, 0, 0, 0}};
  REQUIRE_FALSE(survivors.provision_warm(app, held, t0));
  REQUIRE_FALSE(survivors.provision_warm(app, adopted, t0));
  REQUIRE_FALSE(survivors.provision_cold(app, kept, t0));
  REQUIRE_FALSE(survivors.provision_cold(app, "dc-a-99", t0));
  survivors.poll(t0 + minute);
  REQUIRE(survivors.hand_over(kept, t0 + minute));
  REQUIRE(survivors.hand_over(adopted, t0 + minute));
  auto* provider = p.instances.get();
  auto b = spawn_broker(*sys, *db, spec, std::move(p));
  auto s = stats(b); // after restore(): the broker's state is settled
  CHECK(s.restore_released == 2);  // dc-a-99: not in the ledger; eve's adopted one
  CHECK(s.restore_erased == 1);    // cat's grant: its instance is gone
  CHECK(s.status.instances_granted == 1);
  CHECK(s.holds_live == 3);        // every hold survives, warmed again if need be
  CHECK(s.status.cpu_used_millicores == Approx(2000));
  std::set<std::string> live;
  for (auto& i : provider->list())
    live.insert(i.id);
  CHECK(live == std::set<std::string>{held, adopted, lost, kept});
  for (auto& user : {"eve", "fay"}) { // their holds' new instances are handed over
    auto w = claim(b, user, t0 + 2 * minute);
    REQUIRE(w);
    CHECK(w->path == grant_path::shadow);
    CHECK_FALSE(release(b, user, w->instance));
  }
  CHECK(release(b, "cat", died)); // its grant was erased
  CHECK_FALSE(release(b, "bob", kept));
  auto g = claim(b, "ann", t0 + 2 * minute);
  REQUIRE(g);
  CHECK(g->instance == held);
  CHECK_FALSE(release(b, "ann", held));
  CHECK(stats(b).status.cpu_used_millicores == Approx(0));
  CHECK(provider->list().empty()); // nothing leaked
}

TEST_CASE_METHOD(provider_fixture, "local processes: a claim waits for its hold's warming child, then gets its endpoint") {
  broker_provider p;
  auto pc = providers::test::config();
  pc.capacity = spec.capacity;
  p.instances = std::make_unique<providers::process_provider>(pc);
  p.clock = &providers::process_provider::now_us;
  // The child sleeps a second before READY: the claim right after the hold
  // finds it starting and waits (a response promise, answered by a poll).
  auto app = providers::test::test_app({"--delay-ms", "1000"}, 2);
  app.name = "ide";
  app.resources = {500, 1024, 0, 0, 0};
  p.apps.emplace("ide", app);
  auto b = spawn_broker(*sys, *db, spec, std::move(p));
  auto h = hold(b, "ann", t0);
  REQUIRE(h.held);
  auto g = claim(b, "ann", t0 + 1);
  REQUIRE(g);
  CHECK(g->instance == h.instance);
  CHECK(g->path == grant_path::shadow);
  CHECK(g->wait_us > 0);
  auto hello = providers::test::fetch(g->endpoint);
  CHECK(hello.find("steps=2 instance=" + h.instance) != std::string::npos);
  CHECK(stats(b).claims_waited == 1);
  auto cold = claim(b, "bob", t0 + 2);
  REQUIRE(cold);
  CHECK(cold->path == grant_path::reactive);
  CHECK(providers::test::fetch(cold->endpoint).find("steps=0 instance=" + cold->instance)
        != std::string::npos);
  CHECK_FALSE(release(b, "ann", g->instance));
  kill(b); // bob's child goes with the broker's provider
  bool none = false;
  for (int i = 0; i < 100 && !none; ++i) {
    none = providers::test::no_children();
    if (!none)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(none);
}

TEST_CASE_METHOD(provider_fixture, "local processes: a claim whose child never gets ready is answered within the broker's limit") {
  spec.max_claim_wait_us = 300 * ms;
  broker_provider p;
  auto pc = providers::test::config();
  pc.capacity = spec.capacity;
  p.instances = std::make_unique<providers::process_provider>(pc);
  p.clock = &providers::process_provider::now_us;
  auto app = providers::test::test_app({"--never-ready"});
  app.name = "ide";
  app.resources = {500, 1024, 0, 0, 0};
  p.apps.emplace("ide", app);
  auto b = spawn_broker(*sys, *db, spec, std::move(p));
  auto g = claim(b, "ann", t0);
  REQUIRE_FALSE(g);
  CHECK(describe(g.error()).find("was not ready within 300 ms") != std::string::npos);
  auto s = stats(b);
  CHECK(s.status.cpu_used_millicores == Approx(0)); // released, not granted to nobody
  CHECK(s.claims_waiting == 0);
  CHECK(s.instances_failed == 1);
  kill(b);
}
