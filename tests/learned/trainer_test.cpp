// The trainer, through its detached actor on real RocksDB: it publishes a
// model that beats the online one, keeps the previous one otherwise, and
// its versions survive a restart.
#include <catch2/catch.hpp>

#include "prescient/learned/model_persistence.hpp"
#include "prescient/learned/trainer_actor.hpp"
#include "runtime_fixture.hpp"

using namespace prescient::learned;
using namespace prescient::learned::test;

namespace {

trainer_options test_options() {
  trainer_options o;
  o.interval = std::chrono::milliseconds{0};  // train_atom only
  o.min_heldout = 50;
  o.model = tiny_options(1200);
  o.model.time_budget_s = 0;  // deterministic
  return o;
}

std::vector<train_outcome> train_now(runtime_fixture& f, const trainer_actor& t) {
  std::vector<train_outcome> out;
  (*f.self)->request(t, std::chrono::minutes{5}, train_atom::value)
    .receive([&](std::vector<train_outcome>& r) { out = std::move(r); },
             [&](caf::error& err) { FAIL(caf::to_string(err)); });
  return out;
}

trainer_status status_of(runtime_fixture& f, const trainer_actor& t) {
  trainer_status out;
  (*f.self)->request(t, std::chrono::minutes{5}, status_atom::value)
    .receive([&](trainer_status& s) { out = std::move(s); },
             [&](caf::error& err) { FAIL(caf::to_string(err)); });
  return out;
}

} // namespace

TEST_CASE_METHOD(runtime_fixture, "a model that beats the online one is published, and reloaded",
                 "[learned][trainer]") {
  for (size_t u = 0; u < 8; ++u)
    write_launches("acme", "user" + std::to_string(u), long_range_pattern(u, 240));
  auto registry = std::make_shared<model_registry>();
  auto t = spawn_trainer(*sys, *db, registry, test_options());
  auto outcomes = train_now(*this, t);
  REQUIRE(outcomes.size() == 1);
  auto& o = outcomes[0];
  INFO(o.message);
  CHECK(o.tenant == "acme");
  CHECK(o.figures.users == 8);
  CHECK(o.figures.predictions == 8 * 48);
  CHECK(o.figures.learned_logloss < o.figures.online_logloss);
  REQUIRE(o.result == train_result::published);
  CHECK(o.version == 1);
  auto current = registry->current("acme");
  REQUIRE(current);
  CHECK(current->version == 1);
  CHECK(current->vocab->size() == 6);  // unknown + a..e

  // a second run trains version 2 (the data did not change; it wins again)
  auto again = train_now(*this, t);
  REQUIRE(again.size() == 1);
  CHECK(again[0].version == 2);
  auto st = status_of(*this, t);
  CHECK(st.runs == 2);
  CHECK(st.recent.size() == 2);
  (*self)->send_exit(t, caf::exit_reason::user_shutdown);

  // restart: the registry comes back from RocksDB, versions continue
  reopen();
  auto reloaded = std::make_shared<model_registry>();
  auto report = reload_published(*db, *reloaded);
  CHECK(report.problems.empty());
  REQUIRE(reloaded->current("acme"));
  CHECK(reloaded->current("acme")->version == registry->current("acme")->version);
  std::vector<step> recent = {{1, 3, 1, 4.0f, 0}, {2, 3, 2, 4.0f, 0}};
  CHECK(reloaded->current("acme")->model->predict(recent)
        == registry->current("acme")->model->predict(recent));
  auto o2 = test_options();
  o2.min_gain_nats = 100;  // impossible: forced rejection
  o2.model.max_steps = 20;
  auto t2 = spawn_trainer(*sys, *db, reloaded, o2);
  auto rejected = train_now(*this, t2);
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].result == train_result::rejected);
  CHECK(rejected[0].version == 3);  // versions survive the restart
  CHECK(rejected[0].current == 2);
  CHECK(reloaded->current("acme")->version == 2);  // the previous version stays
  (*self)->send_exit(t2, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(runtime_fixture, "too little held-out data is skipped, not trained",
                 "[learned][trainer]") {
  write_launches("acme", "alice", long_range_pattern(0, 30));
  auto registry = std::make_shared<model_registry>();
  trainer tr{*db, registry, test_options()};
  auto outcomes = tr.run(true);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].result == train_result::skipped);
  CHECK(outcomes[0].version == 0);
  CHECK(registry->current("acme") == nullptr);
  CHECK(tr.status().skipped == 1);
}

TEST_CASE_METHOD(runtime_fixture, "history: launches only, devices merged by time",
                 "[learned][trainer]") {
  write_launches("acme", "alice", {{100, "a"}, {300, "c"}}, "laptop");
  write_launches("acme", "alice", {{200, "b"}}, "phone");
  write_launches("beta", "bob", {{100, "x"}});
  auto h = collect_history(*db, test_options());
  REQUIRE(h);
  REQUIRE(h->size() == 2);
  auto& acme = h->at("acme");
  REQUIRE(acme.users.size() == 1);
  auto& ev = acme.users[0].events;
  REQUIRE(ev.size() == 3);
  CHECK(acme.apps[ev[0].app] == "a");
  CHECK(acme.apps[ev[1].app] == "b");
  CHECK(acme.apps[ev[2].app] == "c");
  CHECK(acme.newest_us == 300'000'000);
}

TEST_CASE_METHOD(runtime_fixture, "a scheduled run trains only with enough new events",
                 "[learned][trainer]") {
  auto o = test_options();
  o.model.max_steps = 10;
  o.min_gain_nats = 100;  // reject: this test is about when training happens
  o.min_new_events = 100;
  auto events = long_range_pattern(0, 400);
  write_launches("acme", "alice", {events.begin(), events.begin() + 300});
  auto registry = std::make_shared<model_registry>();
  trainer tr{*db, registry, o};
  REQUIRE(tr.run(false).size() == 1);  // never trained: trains
  CHECK(tr.run(false).empty());        // nothing new
  write_launches("acme", "alice", {events.begin() + 300, events.begin() + 350}, "phone");
  CHECK(tr.run(false).empty());        // 50 new events < 100
  CHECK(tr.run(true).size() == 1);     // on demand: trains anyway
  write_launches("acme", "alice", {events.begin() + 350, events.end()}, "tablet");
  CHECK(tr.run(false).empty());        // the forced run saw 350; only 50 since
  CHECK(tr.status().runs == 2);
  CHECK(tr.status().rejected == 2);
  CHECK(tr.status().recent.back().version == 2);
}
