#include "claim_bench.hpp"

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>

#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/providers/process_provider.hpp"
#include "prescient/storage/db.hpp"
#include "prescient/workload/percentile.hpp"

namespace prescient::bench {

namespace {

using clock_type = std::chrono::steady_clock;
using workload::percentile;

struct bench_broker {
  caf::scoped_actor& self;
  broker_actor broker;
  std::chrono::seconds timeout{30};

  hold_reply hold(const std::string& user, int64_t at) {
    hold_request r;
    r.tenant = "bench";
    r.user = user;
    r.app = "app";
    r.resources = {100, 64, 0, 0, 0};
    r.confidence = 1;
    r.time_us = at;
    hold_reply out;
    self->request(broker, timeout, hold_atom::value, r)
      .receive([&](hold_reply& x) { out = std::move(x); },
               [](caf::error& e) { throw std::runtime_error("hold: " + describe(e)); });
    return out;
  }

  /// Claims and releases; returns the claim's latency (µs) and the grant.
  std::pair<double, grant> claim(const std::string& user, int64_t at) {
    resource_request r{"bench", user, "d", "app", "", at, {100, 64, 0, 0, 0}};
    grant g;
    auto start = clock_type::now();
    self->request(broker, timeout, claim_atom::value, r)
      .receive([&](grant& x) { g = std::move(x); },
               [](caf::error& e) { throw std::runtime_error("claim: " + describe(e)); });
    auto us = std::chrono::duration<double, std::micro>(clock_type::now() - start).count();
    self->request(broker, timeout, release_atom::value, r.tenant, r.user, g.instance)
      .receive([](bool) {},
               [](caf::error& e) { throw std::runtime_error("release: " + describe(e)); });
    return {us, g};
  }
};

} // namespace

nlohmann::json run_claims(const claim_options& opts) {
  storage::db_options dbo;
  dbo.path = opts.work_dir + "/db";
  auto db = storage::db::open(dbo);
  if (!db)
    throw std::runtime_error(describe(db.error()));
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  broker_provider p;
  providers::process_config pc;
  pc.capacity = {1e6, 1e6, 0, 0, 0};
  pc.poll_interval = std::chrono::milliseconds(opts.poll_interval_ms);
  p.instances = std::make_unique<providers::process_provider>(pc);
  p.clock = &providers::process_provider::now_us;
  providers::app_template app;
  app.name = "app";
  app.command = {opts.app};
  for (size_t i = 0; i < opts.warmup_steps; ++i)
    app.warmup_steps.push_back("step " + std::to_string(i));
  app.resources = {100, 64, 0, 0, 0};
  p.apps.emplace("app", app);
  data_center_spec spec{"bench-dc", "local", {1e6, 1e6, 0, 0, 0}, {}, 0, 0};
  spec.reserve_fraction = 1;
  spec.target_precision = 0.01; // every hold is confident enough
  bench_broker b{self, spawn_broker(sys, **db, spec, std::move(p))};

  std::vector<double> warm, cold, warm_wait, cold_wait;
  size_t hits = 0;
  int64_t at = 1'750'000'000'000'000; // event time: holds never expire meanwhile
  if (opts.progress)
    std::cerr << "broker with local processes of " << opts.app << ": " << opts.claims
              << " cold claims, then " << opts.claims << " warm ones\n";
  for (size_t i = 0; i < opts.claims; ++i) {
    auto [us, g] = b.claim("cold-" + std::to_string(i), at++);
    cold.push_back(us);
    cold_wait.push_back(double(g.wait_us));
  }
  for (size_t i = 0; i < opts.claims; ++i) {
    auto user = "warm-" + std::to_string(i);
    auto h = b.hold(user, at++);
    if (!h.held)
      throw std::runtime_error("hold refused: " + h.reason);
    // Unmeasured: the instance starts and warms while the user is away.
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + 5 * opts.warmup_steps));
    auto [us, g] = b.claim(user, at++);
    warm.push_back(us);
    warm_wait.push_back(double(g.wait_us));
    hits += g.instance == h.instance && g.path != grant_path::reactive;
  }
  self->send_exit(b.broker, caf::exit_reason::user_shutdown);
  self->wait_for(b.broker);
  return {{"warm_p50_us", percentile(warm, 0.50)},
          {"warm_p99_us", percentile(warm, 0.99)},
          {"cold_p50_us", percentile(cold, 0.50)},
          {"cold_p99_us", percentile(cold, 0.99)},
          {"warm_wait_p50_us", percentile(warm_wait, 0.50)},
          {"cold_wait_p50_us", percentile(cold_wait, 0.50)},
          {"warm_hits", hits},
          {"claims", opts.claims},
          {"warmup_steps", opts.warmup_steps},
          {"poll_interval_ms", opts.poll_interval_ms}};
}

} // namespace prescient::bench
