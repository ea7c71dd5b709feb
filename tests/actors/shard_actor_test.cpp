// The shard actor against a real RocksDB: ingest, checkpoint, recovery
// from the write-ahead log after a crash, passivation and reactivation,
// erasure.
#include <catch2/catch.hpp>

#include <algorithm>

#include <caf/exit_reason.hpp>

#include "fixture.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/actors/shard_actor.hpp"

using namespace prescient;
using prescient::test::event_of;

namespace {

struct shard_fixture : test::actor_fixture {
  shard_actor spawn(uint16_t id = 3) {
    shard_options o;
    o.id = id;
    o.checkpoint_interval = std::chrono::hours(1); // only when asked
    return spawn_shard(*sys, *db, o);
  }

  uint32_t ingest(const shard_actor& s, const event_batch& events) {
    uint32_t n = 0;
    (*self)->request(s, timeout, ingest_atom::value, events)
      .receive([&](uint32_t x) { n = x; },
               [](caf::error& e) { FAIL(describe(e)); });
    return n;
  }

  user_summary summary(const shard_actor& s, const std::string& user,
                       const std::string& tenant = "demo") {
    user_summary out;
    (*self)->request(s, timeout, user_atom::value, tenant, user)
      .receive([&](user_summary& x) { out = std::move(x); },
               [](caf::error& e) { FAIL(describe(e)); });
    return out;
  }

  shard_stats stats(const shard_actor& s) {
    shard_stats out;
    (*self)->request(s, timeout, status_atom::value)
      .receive([&](const shard_stats& x) { out = x; },
               [](caf::error& e) { FAIL(describe(e)); });
    return out;
  }

  std::vector<anomaly> anomalies(const shard_actor& s, uint32_t limit = 100) {
    std::vector<anomaly> out;
    (*self)->request(s, timeout, anomalies_atom::value, limit)
      .receive([&](std::vector<anomaly>& x) { out = std::move(x); },
               [](caf::error& e) { FAIL(describe(e)); });
    return out;
  }

  /// Kills the actor without a checkpoint: its memory is lost, as in a crash.
  void crash(const shard_actor& s) {
    (*self)->send_exit(s, caf::exit_reason::kill);
    (*self)->wait_for(s);
  }

  event_batch events(const std::string& user, int from, int to) {
    event_batch out;
    for (int i = from; i < to; ++i)
      out.push_back(event_of(user, i));
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(shard_fixture, "ingested events are summarised per user") {
  auto s = spawn();
  REQUIRE(ingest(s, events("ann", 0, 100)) == 100);
  REQUIRE(ingest(s, events("ben", 0, 40)) == 40);
  auto ann = summary(s, "ann");
  CHECK(ann.found);
  CHECK(ann.events == 100);
  CHECK(ann.stored_events == 100);
  CHECK(ann.resident);
  CHECK(ann.devices == std::vector<std::string>{"ann-pc"});
  REQUIRE(ann.top_apps.size() == 2);
  CHECK(ann.top_apps[0].events == 50);
  CHECK(ann.top_apps[0].launches + ann.top_apps[1].launches == 25);
  CHECK(summary(s, "ben").stored_events == 40);
  CHECK_FALSE(summary(s, "nobody").found);
  // ben's last event is an hour of event time behind ann's: the checkpoint
  // of the summaries passivated him (idle_passivation 30 min).
  CHECK(stats(s).resident_profiles == 1);
  CHECK_FALSE(summary(s, "ben").resident);
  CHECK(summary(s, "ben").events == 40);
}

TEST_CASE_METHOD(shard_fixture, "a crash loses nothing acknowledged and duplicates nothing") {
  auto s = spawn();
  ingest(s, events("cat", 0, 30));
  CHECK(summary(s, "cat").stored_events == 30); // checkpointed here
  ingest(s, events("cat", 30, 80));             // only in the log
  crash(s);
  auto again = spawn();
  auto sum = summary(again, "cat");
  CHECK(sum.events == 80);
  CHECK(sum.stored_events == 80);
  auto stored = db->series().range("demo", "cat", 0, INT64_MAX);
  REQUIRE(stored);
  REQUIRE(stored->size() == 80);
  for (int i = 0; i < 80; ++i)
    CHECK((*stored)[i].time_us == event_of("cat", i).time_us);
}

TEST_CASE_METHOD(shard_fixture, "an idle profile is passivated and resumes its open chunk") {
  auto s = spawn();
  ingest(s, events("dan", 0, 10));
  // Far ahead in event time: the next checkpoint passivates dan.
  (*self)->send(s, tick_atom::value, event_of("dan", 9).time_us + 3'600'000'000LL);
  (*self)->request(s, timeout, checkpt_atom::value)
    .receive([](uint64_t) {}, [](caf::error& e) { FAIL(describe(e)); });
  CHECK(stats(s).resident_profiles == 0);
  ingest(s, events("dan", 10, 20));
  CHECK(stats(s).resident_profiles == 1);
  auto sum = summary(s, "dan");
  CHECK(sum.events == 20);
  CHECK(sum.stored_events == 20);
  crash(s);
  REQUIRE_FALSE(db->compact_all());
  CHECK(summary(spawn(), "dan").stored_events == 20);
}

TEST_CASE_METHOD(shard_fixture, "erasure removes a user for good") {
  auto s = spawn();
  ingest(s, events("eve", 0, 25));
  ingest(s, events("fay", 0, 5));
  (*self)->request(s, timeout, erase_atom::value, std::string("demo"), std::string("eve"))
    .receive([](bool ok) { CHECK(ok); }, [](caf::error& e) { FAIL(describe(e)); });
  CHECK_FALSE(summary(s, "eve").found);
  crash(s); // the log must not bring eve back
  auto again = spawn();
  CHECK_FALSE(summary(again, "eve").found);
  CHECK(summary(again, "eve").stored_events == 0);
  CHECK(summary(again, "fay").stored_events == 5);
}

TEST_CASE_METHOD(shard_fixture, "an unreadable log record stops the shard instead of losing it") {
  storage::write_batch b;
  db->log().append(b, 9, 1, "definitely not a record");
  REQUIRE_FALSE(db->write(b));
  auto s = spawn(9);
  bool failed = false;
  (*self)->request(s, std::chrono::seconds(2), status_atom::value)
    .receive([](const shard_stats&) {}, [&](caf::error&) { failed = true; });
  CHECK(failed);
  // The record is still there for an operator to inspect.
  auto last = db->log().last_seq(9);
  REQUIRE(last);
  CHECK(*last == 1);
}

namespace {

/// A user who runs three apps in a fixed cycle, each launch followed by the
/// run's close with its measured usage.
event_batch cycle(const std::string& user, int from, int to,
                  const std::string& tenant = "demo") {
  static const char* apps[] = {"editor", "compiler", "debugger"};
  event_batch out;
  for (int i = from; i < to; ++i) {
    auto e = test::event_of(user, i);
    e.tenant = tenant;
    e.app = apps[i % 3];
    e.kind = event_kind::launch;
    e.time_us = 1'750'000'000'000'000 + int64_t(i) * 120'000'000;
    out.push_back(e);
    e.kind = event_kind::close;
    e.time_us += 60'000'000;
    e.usage = {100.0 * (1 + i % 3), 512, 5, 1, 0};
    e.duration_ms = 60'000;
    out.push_back(e);
  }
  return out;
}

std::vector<std::pair<std::string, double>> guesses(const user_summary& s) {
  std::vector<std::pair<std::string, double>> out;
  for (auto& p : s.predictions)
    out.emplace_back(p.app, p.probability);
  return out;
}

} // namespace

TEST_CASE_METHOD(shard_fixture, "a profile predicts its user's next app, when, where and with what") {
  auto s = spawn();
  ingest(s, cycle("eve", 0, 60)); // last launch: i = 59 -> debugger
  auto sum = summary(s, "eve");
  REQUIRE(sum.predictions.size() >= 3);
  auto& top = sum.predictions.front();
  CHECK(top.app == "editor");
  CHECK(top.probability > 0.6);
  CHECK(top.device == "eve-pc");
  CHECK(top.window_from_us <= top.window_to_us);
  CHECK(top.window_to_us > sum.last_event_us - 120'000'000);
  bool has_cpu = false;
  for (auto& q : top.usage)
    if (q.metric == "cpu_millicores") {
      has_cpu = true;
      CHECK(q.p50 == Approx(100).margin(1)); // editor runs used 100 mc
      CHECK(q.samples == 20);
    }
  CHECK(has_cpu);
  CHECK_FALSE(sum.latency_class.empty());
  CHECK(sum.next_launch_to_us > sum.next_launch_from_us);
}

TEST_CASE_METHOD(shard_fixture, "models come back unchanged after a crash and after eviction") {
  // Shard 5 keeps every model in memory; shard 6 may keep almost none (it
  // checkpoints and evicts as it goes) and is then crashed mid-way. They
  // serve the same users' events as two tenants (one database).
  shard_options roomy;
  roomy.id = 5;
  roomy.checkpoint_interval = std::chrono::hours(1);
  shard_options tight = roomy;
  tight.id = 6;
  tight.model_memory_bytes = 1;
  auto a = spawn_shard(*sys, *db, roomy);
  auto b = spawn_shard(*sys, *db, tight);
  std::vector<std::string> users;
  for (int u = 0; u < 40; ++u)
    users.push_back("user-" + std::to_string(u));
  for (int round = 0; round < 3; ++round)
    for (auto& u : users) {
      ingest(a, cycle(u, round * 10 + (u.size() % 3), round * 10 + 10, "roomy"));
      ingest(b, cycle(u, round * 10 + (u.size() % 3), round * 10 + 10, "tight"));
    }
  CHECK(stats(a).resident_models == 40);
  CHECK(stats(b).resident_models < 40);
  crash(b); // the last events are only in b's log
  b = spawn_shard(*sys, *db, tight);
  for (auto& u : users) {
    auto x = summary(a, u, "roomy"), y = summary(b, u, "tight");
    CHECK_FALSE(x.predictions.empty());
    CHECK(guesses(x) == guesses(y));
    CHECK(x.next_launch_from_us == y.next_launch_from_us);
  }
}

TEST_CASE_METHOD(shard_fixture, "a model stored under another shard's dictionary starts afresh") {
  auto s = spawn(3);
  ingest(s, cycle("fay", 0, 30));
  CHECK(summary(s, "fay").predictions.front().app == "editor");
  crash(s);
  // The ring changed: fay now lives on shard 4, whose app ids differ.
  auto moved = spawn(4);
  ingest(moved, cycle("fay", 30, 31));
  CHECK(stats(moved).models_reset == 1);
  auto sum = summary(moved, "fay");
  CHECK(sum.events == 62);
  CHECK_FALSE(sum.predictions.empty());
}

// ---- anomalies: behaviour that departs from the profile
namespace {

std::vector<anomaly> of_kind(const std::vector<anomaly>& all, const std::string& kind) {
  std::vector<anomaly> out;
  for (auto& a : all)
    if (a.kind == kind)
      out.push_back(a);
  return out;
}

/// One more launch after cycle(user, 0, 60): the 61st use, two minutes on.
usage_event next_launch(const std::string& user, const std::string& app) {
  auto e = cycle(user, 60, 61).front();
  e.app = app;
  return e;
}

} // namespace

TEST_CASE_METHOD(shard_fixture, "a habitual user's never-seen app is flagged, their habits are not") {
  auto s = spawn();
  ingest(s, cycle("ann", 0, 60));
  CHECK(anomalies(s).empty()); // the cycle itself is not unusual
  ingest(s, {next_launch("ann", "crypto-miner")});
  auto flags = of_kind(anomalies(s), "unusual_app");
  REQUIRE(flags.size() == 1);
  INFO(flags[0].reason);
  CHECK(flags[0].tenant == "demo");
  CHECK(flags[0].user == "ann");
  CHECK(flags[0].data_center.empty());
  CHECK(flags[0].time_us == next_launch("ann", "x").time_us);
  CHECK(flags[0].reason.find("app crypto-miner had probability") == 0);
  CHECK(stats(s).anomalies_flagged == 1);
}

TEST_CASE_METHOD(shard_fixture, "a run far above the app's p99 is flagged with the numbers") {
  auto s = spawn();
  ingest(s, cycle("bob", 0, 60)); // 20 runs of each app, 512 MB each
  auto run = cycle("bob", 60, 61); // editor: launch, close
  run[1].usage.memory_mb = 8192;
  ingest(s, run);
  auto flags = of_kind(anomalies(s), "unusual_resources");
  REQUIRE(flags.size() == 1);
  INFO(flags[0].reason);
  CHECK(flags[0].user == "bob");
  CHECK(flags[0].time_us == run[1].time_us);
  CHECK(flags[0].reason.find("memory 8192 MB > 1.5 x p99 ") == 0);
  CHECK(flags[0].reason.find(" MB of app editor") != std::string::npos);
  CHECK(flags[0].reason.find("cpu") == std::string::npos); // cpu was as usual
}

TEST_CASE_METHOD(shard_fixture, "a burst of uses is flagged once, with the rates") {
  auto s = spawn();
  ingest(s, cycle("cat", 0, 60)); // a use every two minutes
  CHECK(of_kind(anomalies(s), "request_burst").empty());
  event_batch burst;
  for (int i = 0; i < 30; ++i) {
    auto e = next_launch("cat", i % 2 ? "editor" : "compiler");
    e.kind = event_kind::request;
    e.time_us += int64_t(i) * 1'000'000; // one a second
    burst.push_back(e);
  }
  ingest(s, burst);
  auto flags = of_kind(anomalies(s), "request_burst");
  REQUIRE(flags.size() == 1);
  INFO(flags[0].reason);
  CHECK(flags[0].user == "cat");
  CHECK(flags[0].reason.find(" uses in the last minute > 10 (expected ") != std::string::npos);
  CHECK(flags[0].time_us > burst.front().time_us);
  CHECK(flags[0].time_us < burst.back().time_us);
}

TEST_CASE_METHOD(shard_fixture, "the shard keeps a bounded number of flags, newest first") {
  auto s = spawn();
  // Many users, each with one burst: more flags than the shard keeps.
  constexpr int users = 300;
  for (int u = 0; u < users; ++u) {
    event_batch burst;
    for (int i = 0; i < 15; ++i) {
      auto e = test::event_of("u" + std::to_string(u), 0);
      e.kind = event_kind::request;
      e.time_us += int64_t(u) * 3'600'000'000 + int64_t(i) * 1'000'000;
      burst.push_back(e);
    }
    ingest(s, burst);
  }
  CHECK(stats(s).anomalies_flagged == users);
  auto all = anomalies(s, 1000);
  CHECK(all.size() == 256);
  CHECK(all.front().user == "u" + std::to_string(users - 1));
  CHECK(std::is_sorted(all.begin(), all.end(),
                       [](auto& a, auto& b) { return a.time_us > b.time_us; }));
  CHECK(anomalies(s, 3).size() == 3);
}

TEST_CASE_METHOD(shard_fixture, "a shard's copy holds its users' history and applies once") {
  // Shard 0 of a one-shard ring holds every user.
  auto source = spawn(0);
  REQUIRE(ingest(source, events("ann", 0, 30)) == 30);
  REQUIRE(ingest(source, events("ben", 0, 12)) == 12);
  user_refs users;
  (*self)->request(source, timeout, copy_atom::value, uint32_t{1}, uint32_t{16})
    .receive([&](user_refs& x) { users = std::move(x); },
             [](caf::error& e) { FAIL(describe(e)); });
  REQUIRE(users.size() == 2);
  // Read a user at a time, as the router streams a copy.
  event_batch copy;
  for (auto& u : users)
    (*self)->request(source, timeout, copy_atom::value, user_refs{u})
      .receive(
        [&](event_batch& x) {
          CHECK(x.size() == (u.user == "ann" ? 30u : 12u));
          CHECK(std::is_sorted(x.begin(), x.end(),
                               [](auto& a, auto& b) { return a.time_us < b.time_us; }));
          copy.insert(copy.end(), x.begin(), x.end());
        },
        [](caf::error& e) { FAIL(describe(e)); });
  REQUIRE(copy.size() == 42);
  (*self)->request(source, timeout, copy_atom::value, uint32_t{0}, uint32_t{16})
    .receive([](user_refs&) { FAIL("a ring without shards was accepted"); },
             [](caf::error& e) { CHECK(describe(e) == "a ring needs shards and vnodes"); });

  // Applied into the same shard again: nothing new, so nothing applied.
  auto apply = [&](const shard_actor& s, const event_batch& events) {
    uint32_t n = 0;
    (*self)->request(s, timeout, copy_atom::value, events)
      .receive([&](uint32_t x) { n = x; }, [](caf::error& e) { FAIL(describe(e)); });
    return n;
  };
  CHECK(apply(source, copy) == 0);
  CHECK(summary(source, "ann").events == 30);
  // Only what the shard lacks is applied: ann's event 30, not the 42 held.
  event_batch with_new = copy;
  with_new.push_back(event_of("ann", 30));
  CHECK(apply(source, with_new) == 1);
  CHECK(summary(source, "ann").events == 31);
}
