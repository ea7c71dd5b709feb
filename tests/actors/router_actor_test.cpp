// Data-center choice: policy first, then latency, then price.
#include <catch2/catch.hpp>

#include "prescient/actors/router_actor.hpp"

using namespace prescient;

TEST_CASE("data centers are ranked by policy, latency and price") {
  std::vector<data_center_spec> dcs{
    {"eu-1", "eu", {}, {{"eu", 5}, {"us", 80}}, 0.05, 0},
    {"eu-2", "eu", {}, {{"eu", 5}, {"us", 90}}, 0.04, 0},
    {"us-1", "us", {}, {{"eu", 80}, {"us", 3}}, 0.06, 0},
    {"ap-1", "ap", {}, {}, 0.01, 0}, // no latency known
  };
  tenant_policy any{"t", {}, 0.5, 0};
  CHECK(rank_data_centers(dcs, any, "us") == std::vector<size_t>{2, 0, 1, 3});
  // Equal latency from eu: the cheaper one first.
  CHECK(rank_data_centers(dcs, any, "eu") == std::vector<size_t>{1, 0, 2, 3});
  tenant_policy eu_only{"t", {"eu"}, 0.5, 0};
  CHECK(rank_data_centers(dcs, eu_only, "us") == std::vector<size_t>{0, 1});
  tenant_policy nowhere{"t", {"mars"}, 0.5, 0};
  CHECK(rank_data_centers(dcs, nowhere, "eu").empty());
  // No region given: by price.
  CHECK(rank_data_centers(dcs, any, "").front() == 3);
}

// ---- confident predictions become holds, and the claim finds the warm instance
#include <chrono>
#include <thread>

#include <caf/exit_reason.hpp>

#include "fixture.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/actors/shard_actor.hpp"

namespace {

struct node_fixture : test::actor_fixture {};

} // namespace

TEST_CASE_METHOD(node_fixture, "a predictable user's next use is held and claimed warm") {
  std::vector<shard_actor> shards;
  for (uint16_t i = 0; i < 2; ++i) {
    shard_options so;
    so.id = i;
    shards.push_back(spawn_shard(*sys, *db, so));
  }
  data_center_spec dc{"dc-a", "eu", {64000, 262144, 1e5, 1e5, 8}, {{"eu", 2}}, 0.05, 0.01};
  auto broker = spawn_broker(*sys, *db, dc);
  router_options ro;
  ro.shards = shards;
  ro.data_centers.push_back({dc, broker});
  ro.tenants.push_back({"demo", {}, 1.0, 0});
  auto router = spawn_router(*sys, ro);
  for (auto& s : shards)
    (*self)->send(s, connect_atom::value, caf::actor_cast<caf::actor>(router));
  // Every 10 minutes the user runs "report" for a minute, nothing else.
  const int64_t t0 = 1'750'000'000'000'000, minute = 60'000'000;
  event_batch events;
  for (int i = 0; i < 40; ++i) {
    auto e = test::event_of("kim", 0);
    e.app = "report";
    e.kind = event_kind::launch;
    e.time_us = t0 + i * 10 * minute;
    events.push_back(e);
    e.kind = event_kind::close;
    e.time_us += minute;
    e.usage = {750, 2048, 10, 1, 0};
    events.push_back(e);
  }
  (*self)->request(router, timeout, ingest_atom::value, events)
    .receive([](uint32_t) {}, [](caf::error& e) { FAIL(describe(e)); });
  auto held = [&] {
    broker_stats st;
    (*self)->request(broker, timeout, status_atom::value)
      .receive([&](const broker_stats& s) { st = s; }, [](caf::error& e) { FAIL(describe(e)); });
    return st;
  };
  for (int i = 0; i < 200 && held().holds_live == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(held().holds_live == 1);
  resource_request r{"demo", "kim", "kim-pc", "report", "eu", t0 + 400 * minute, {750, 2048, 0, 0, 0}};
  grant g;
  (*self)->request(router, timeout, claim_atom::value, r)
    .receive([&](grant& x) { g = std::move(x); }, [](caf::error& e) { FAIL(describe(e)); });
  CHECK(g.path == grant_path::prewarmed);
  CHECK(held().holds_claimed == 1);
  kpis k;
  (*self)->request(router, timeout, kpis_atom::value)
    .receive([&](kpis& x) { k = x; }, [](caf::error& e) { FAIL(describe(e)); });
  CHECK(k.grants_prewarmed == 1);
  CHECK(k.hit_rate == Approx(1.0));
  (*self)->send_exit(router, caf::exit_reason::user_shutdown); // it ticks forever
}
