// The broker: capacity accounting, release checks, and a restart that
// restores every grant from the ledger.
#include <catch2/catch.hpp>

#include <caf/exit_reason.hpp>

#include "fixture.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/errc.hpp"

using namespace prescient;

namespace {

struct broker_fixture : test::actor_fixture {
  data_center_spec spec{"dc-a", "eu-west", {4000, 8192, 1000, 1000, 1}, {{"eu-west", 2}}, 0.05, 0.01};

  caf::expected<grant> claim(const broker_actor& b, double cpu, const std::string& user = "u") {
    resource_request r{"demo", user, "d", "ide", "eu-west", 1, {cpu, 1024, 0, 0, 0}};
    caf::expected<grant> out{caf::error{}};
    (*self)->request(b, timeout, claim_atom::value, r)
      .receive([&](grant& g) { out = std::move(g); },
               [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  caf::error release(const broker_actor& b, const std::string& user, const std::string& inst) {
    caf::error out;
    (*self)->request(b, timeout, release_atom::value, std::string("demo"), user, inst)
      .receive([](bool) {}, [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  broker_stats stats(const broker_actor& b) {
    broker_stats out;
    (*self)->request(b, timeout, status_atom::value)
      .receive([&](const broker_stats& s) { out = s; },
               [](caf::error& e) { FAIL(describe(e)); });
    return out;
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
