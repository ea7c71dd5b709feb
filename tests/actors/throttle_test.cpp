// Throttling users flagged as anomalous, where the tenant's policy says so.
#include <catch2/catch.hpp>

#include <algorithm>

#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>

#include "fixture.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/actors/router_actor.hpp"
#include "throttle_list.hpp"

using namespace prescient;

namespace {

constexpr int64_t minute = 60'000'000;

} // namespace

TEST_CASE("a flagged user is throttled for the policy's time, per event-time minute") {
  throttle_list list;
  throttle_list::policy p{10 * minute, 2};
  const int64_t t0 = 100 * minute;
  std::string why;
  CHECK(list.admit_claim("t\x1f" "u", t0, p, why)); // not flagged: no limit
  list.flag("t\x1f" "u", t0, "request_burst: 30 uses", p);
  CHECK(list.throttled("t\x1f" "u", t0 + minute));
  CHECK_FALSE(list.throttled("t\x1f" "v", t0 + minute));
  // Two claims a minute pass, the third is refused with the reason.
  CHECK(list.admit_claim("t\x1f" "u", t0 + 1, p, why));
  CHECK(list.admit_claim("t\x1f" "u", t0 + 2, p, why));
  CHECK_FALSE(list.admit_claim("t\x1f" "u", t0 + 3, p, why));
  CHECK(why.find("2 requests a minute") != std::string::npos);
  CHECK(why.find("request_burst: 30 uses") != std::string::npos);
  // The next minute starts a new count.
  CHECK(list.admit_claim("t\x1f" "u", t0 + minute, p, why));
  // A later flag extends the throttle from its own time.
  list.flag("t\x1f" "u", t0 + 5 * minute, "again", p);
  CHECK(list.throttled("t\x1f" "u", t0 + 14 * minute));
  CHECK_FALSE(list.throttled("t\x1f" "u", t0 + 15 * minute));
  list.expire(t0 + 14 * minute);
  CHECK(list.size() == 1);
  list.expire(t0 + 15 * minute);
  CHECK(list.size() == 0);
  CHECK(list.admit_claim("t\x1f" "u", t0 + 15 * minute + 1, p, why));
}

TEST_CASE_METHOD(test::actor_fixture,
                 "a burst flagged by the shard throttles the user at the router") {
  shard_options so;
  auto shard = spawn_shard(*sys, *db, so);
  data_center_spec dc{"dc-a", "eu", {64000, 262144, 1e5, 1e5, 8}, {{"eu", 2}}, 0.05, 0.01};
  auto broker = spawn_broker(*sys, *db, dc);
  router_options ro;
  ro.shards = {shard};
  ro.data_centers.push_back({dc, broker});
  tenant_policy strict{"strict", {}, 1.0, 0};
  strict.throttle_anomalous = true;
  strict.throttle_claims_per_minute = 2;
  ro.tenants = {strict, tenant_policy{"lenient", {}, 1.0, 0}};
  auto router = spawn_router(*sys, ro);
  (*self)->send(shard, connect_atom::value, caf::actor_cast<caf::actor>(router));

  const int64_t t0 = 1'750'000'000'000'000;
  // Both tenants' users: a use every two minutes for two hours, then 30
  // requests in 30 seconds.
  event_batch events;
  for (auto* tenant : {"strict", "lenient"}) {
    for (int i = 0; i < 60; ++i) {
      auto e = test::event_of("cat", i);
      e.tenant = tenant;
      e.app = i % 2 ? "editor" : "compiler";
      e.kind = event_kind::launch;
      e.time_us = t0 + i * 2 * minute;
      events.push_back(e);
    }
    for (int i = 0; i < 30; ++i) {
      auto e = test::event_of("cat", 60 + i);
      e.tenant = tenant;
      e.app = i % 2 ? "editor" : "compiler";
      e.kind = event_kind::request;
      e.time_us = t0 + 120 * minute + i * 1'000'000;
      events.push_back(e);
    }
  }
  std::sort(events.begin(), events.end(),
            [](const usage_event& a, const usage_event& b) { return a.time_us < b.time_us; });
  (*self)->request(router, timeout, ingest_atom::value, events)
    .receive([](uint32_t) {}, [](caf::error& e) { FAIL(describe(e)); });

  auto claim = [&](const char* tenant, int64_t at) {
    resource_request r{tenant, "cat", "cat-pc", "editor", "eu", at, {500, 512, 0, 0, 0}};
    caf::error err;
    (*self)->request(router, timeout, claim_atom::value, r)
      .receive([](grant&) {}, [&](caf::error& e) { err = std::move(e); });
    return err;
  };
  const int64_t after = t0 + 121 * minute;
  CHECK_FALSE(claim("strict", after));
  CHECK_FALSE(claim("strict", after + 1));
  auto refused = claim("strict", after + 2);
  REQUIRE(refused);
  INFO(describe(refused));
  CHECK(refused.category() == caf::atom("prescient"));
  CHECK(refused.code() == static_cast<uint8_t>(actor_errc::throttled));
  CHECK(describe(refused).find("request_burst") != std::string::npos);
  // The other tenant does not throttle: its user's burst costs nothing.
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(claim("lenient", after + i));
  // No pre-warming for the throttled user.
  hold_request h{"strict", "cat", "editor", "eu", {500, 512, 0, 0, 0}, 0.99, after, 0};
  hold_reply reply;
  (*self)->request(router, timeout, hold_atom::value, h)
    .receive([&](hold_reply& x) { reply = std::move(x); },
             [](caf::error& e) { FAIL(describe(e)); });
  CHECK_FALSE(reply.held);
  CHECK(reply.reason.find("throttled") != std::string::npos);
  kpis k;
  (*self)->request(router, timeout, kpis_atom::value)
    .receive([&](kpis& x) { k = x; }, [](caf::error& e) { FAIL(describe(e)); });
  CHECK(k.throttled == 2); // the refused claim and the refused hold
  // Once the throttle's time has passed, the user is served again.
  for (int i = 0; i < 4; ++i)
    CHECK_FALSE(claim("strict", t0 + 140 * minute + i));
  (*self)->send_exit(router, caf::exit_reason::user_shutdown); // it ticks forever
}
