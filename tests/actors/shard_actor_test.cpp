// The shard actor against a real RocksDB: ingest, checkpoint, recovery
// from the write-ahead log after a crash, passivation and reactivation,
// erasure.
#include <catch2/catch.hpp>

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

  user_summary summary(const shard_actor& s, const std::string& user) {
    user_summary out;
    (*self)->request(s, timeout, user_atom::value, std::string("demo"), user)
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
