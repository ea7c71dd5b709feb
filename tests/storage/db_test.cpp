#include "prescient/storage/db.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.hpp"

using namespace prescient;
using namespace prescient::storage;
using prescient::storage::test::db_fixture;
using prescient::storage::test::make_event;
using prescient::storage::test::write_events;
namespace test = prescient::storage::test;

namespace {

constexpr int64_t minute = 60'000'000;
const int64_t t0 = bucket_start_of(1'700'000'000'000'000);

std::vector<usage_event> hour_of(std::string user, int64_t start,
                                 std::string device = "laptop") {
  std::vector<usage_event> out;
  for (int i = 0; i < 60; ++i) {
    auto e = make_event(start + i * minute);
    e.user = user;
    e.device = device;
    out.push_back(e);
  }
  return out;
}

uint64_t count(db& d, std::string_view user) {
  auto n = d.series().count_events("acme", user);
  REQUIRE(n);
  return *n;
}

bool is(const caf::error& err, storage_errc code) {
  return err && err.category() == caf::atom("storage")
         && err.code() == static_cast<uint8_t>(code);
}

} // namespace

TEST_CASE("open refuses bad options", "[storage][db]") {
  db_options o;
  auto r = db::open(o);
  REQUIRE_FALSE(r);
  CHECK(is(r.error(), storage_errc::invalid_argument));
  CHECK(to_string(storage_errc::closed) == "closed");
}

TEST_CASE_METHOD(db_fixture, "reopen keeps data and the watermark",
                 "[storage][db]") {
  write_events(*store, hour_of("alice", t0));
  write_batch b;
  store->profiles().put(b, "acme", "alice", "blob");
  store->ledger().put(b, "dc1/x", "y");
  REQUIRE_FALSE(store->write(b));
  store->set_event_time(t0 + 42);
  reopen(); // unflushed memtables come back from the WAL or the close flush
  CHECK(store->event_time() == t0 + 42);
  CHECK(count(*store, "alice") == 60);
  auto p = store->profiles().get("acme", "alice");
  REQUIRE(p);
  CHECK(p->value_or("") == "blob");
  CHECK(store->live_bytes() > 0);
  CHECK(store->series_bytes() > 0);
  CHECK(store->series_bytes() <= store->live_bytes());
}

TEST_CASE_METHOD(db_fixture, "calls after close fail cleanly with closed",
                 "[storage][db]") {
  REQUIRE_FALSE(store->close());
  REQUIRE_FALSE(store->close()); // idempotent
  write_batch b;
  chunk_builder c{t0};
  c.append(make_event(t0));
  store->series().put(b, {"acme", "alice", "laptop", t0, 0}, c);
  store->log().append(b, 1, 1, "r");
  CHECK(is(store->write(b), storage_errc::closed));
  CHECK(is(store->flush(), storage_errc::closed));
  CHECK(is(store->compact_all(), storage_errc::closed));
  CHECK(is(store->erase_user("acme", "alice"), storage_errc::closed));
  auto r = store->series().range("acme", "alice", t0, t0 + 1);
  REQUIRE_FALSE(r);
  CHECK(is(r.error(), storage_errc::closed));
  auto l = store->log().last_seq(1);
  REQUIRE_FALSE(l);
  CHECK(is(store->log().replay(1, 0, [](auto, auto) {}),
           storage_errc::closed));
  CHECK_FALSE(store->profiles().get("acme", "alice"));
  CHECK(is(store->ledger().scan("", [](auto, auto) {}), storage_errc::closed));
  CHECK(store->live_bytes() == 0);
}

TEST_CASE_METHOD(db_fixture, "retention drops old chunks by activity class",
                 "[storage][db]") {
  // Default retention: frequent 90 d, regular 30 d, occasional 7 d.
  auto now = t0 + 100 * day_us;
  auto old40 = bucket_start_of(now - 40 * day_us);
  auto old10 = bucket_start_of(now - 10 * day_us);
  auto recent = bucket_start_of(now - 2 * day_us);
  write_events(*store, hour_of("freq", old40), activity_class::frequent);
  write_events(*store, hour_of("freq", old10), activity_class::frequent);
  write_events(*store, hour_of("reg", old40), activity_class::regular);
  write_events(*store, hour_of("reg", old10), activity_class::regular);
  write_events(*store, hour_of("occ", old10), activity_class::occasional);
  write_events(*store, hour_of("occ", recent), activity_class::occasional);
  write_events(*store, hour_of("ancient", t0 - 400 * day_us),
               activity_class::frequent);
  SECTION("without a watermark nothing goes") {
    REQUIRE_FALSE(store->compact_all());
    CHECK(count(*store, "freq") == 120);
    CHECK(count(*store, "ancient") == 60);
  }
  SECTION("with a watermark, each class keeps its own history") {
    store->set_event_time(now);
    REQUIRE_FALSE(store->compact_all());
    CHECK(count(*store, "freq") == 120); // 40 d < 90 d
    CHECK(count(*store, "reg") == 60);   // the 40 d old hour is gone
    CHECK(count(*store, "occ") == 60);   // the 10 d old hour is gone
    CHECK(count(*store, "ancient") == 0);
    auto r = store->series().range("acme", "reg", old10, old10 + day_us);
    REQUIRE(r);
    CHECK(r->size() == 60);
  }
  SECTION("a chunk stays while its newest possible event is retained") {
    auto edge = bucket_start_of(now - 7 * day_us);
    write_events(*store, hour_of("edge", edge), activity_class::occasional);
    store->set_event_time(edge + bucket_duration_us + 7 * day_us - 1);
    REQUIRE_FALSE(store->compact_all());
    CHECK(count(*store, "edge") == 60);
    store->set_event_time(edge + bucket_duration_us + 7 * day_us);
    REQUIRE_FALSE(store->compact_all());
    CHECK(count(*store, "edge") == 0);
  }
}

TEST_CASE_METHOD(db_fixture, "custom retention and a persisted watermark",
                 "[storage][db]") {
  auto o = options();
  o.retention_us[static_cast<int>(activity_class::regular)] = day_us;
  reopen(&o);
  write_events(*store, hour_of("u", t0));
  store->set_event_time(t0 + 3 * day_us);
  REQUIRE_FALSE(store->close());
  reopen(&o); // the watermark comes back and retention applies to it
  CHECK(store->event_time() == t0 + 3 * day_us);
  REQUIRE_FALSE(store->compact_all());
  CHECK(count(*store, "u") == 0);
}

TEST_CASE_METHOD(db_fixture, "erase_user removes only that user",
                 "[storage][db]") {
  write_events(*store, hour_of("alice", t0, "laptop"));
  write_events(*store, hour_of("alice", t0 + day_us, "phone"));
  write_events(*store, hour_of("alice2", t0));    // "alice" is its prefix
  write_events(*store, hour_of("alic", t0));      // and a prefix of "alice"
  write_batch b;
  store->profiles().put(b, "acme", "alice", "pa");
  store->profiles().put(b, "acme", "alice2", "pa2");
  REQUIRE_FALSE(store->write(b));
  REQUIRE_FALSE(store->flush()); // some data in SST files, some in memtables
  write_events(*store, hour_of("alice", t0 + 2 * day_us, "tv"));

  REQUIRE_FALSE(store->erase_user("acme", "alice"));
  CHECK(count(*store, "alice") == 0);
  auto devs = store->series().devices("acme", "alice");
  REQUIRE(devs);
  CHECK(devs->empty());
  auto p = store->profiles().get("acme", "alice");
  REQUIRE(p);
  CHECK_FALSE(p->has_value());
  CHECK(count(*store, "alice2") == 60);
  CHECK(count(*store, "alic") == 60);
  auto p2 = store->profiles().get("acme", "alice2");
  REQUIRE(p2);
  CHECK(p2->has_value());
  REQUIRE_FALSE(store->compact_all());
  CHECK(count(*store, "alice") == 0);
  CHECK(count(*store, "alice2") == 60);
  // New data after erasure is visible again.
  write_events(*store, hour_of("alice", t0));
  CHECK(count(*store, "alice") == 60);
}

TEST_CASE_METHOD(db_fixture, "write_batch counts and clears", "[storage][db]") {
  write_batch b;
  CHECK(b.count() == 0);
  store->ledger().put(b, "k", "v");
  store->log().truncate(b, 3, 10);
  CHECK(b.count() == 2);
  CHECK(b.bytes() > 0);
  b.clear();
  CHECK(b.count() == 0);
  REQUIRE_FALSE(store->write(b)); // empty batches are fine
}

TEST_CASE("an acknowledged write survives kill -9", "[storage][db]") {
  test::temp_dir dir;
  db_options o;
  o.path = (dir.path / "db").string();
  auto pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: write, then die without closing or flushing.
    auto d = db::open(o);
    if (!d)
      _exit(2);
    write_events(**d, hour_of("alice", t0));
    write_batch b;
    (*d)->log().append(b, 3, 7, "record");
    if ((*d)->write(b))
      _exit(3);
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  auto d = db::open(o);
  REQUIRE(d);
  CHECK(count(**d, "alice") == 60);
  auto last = (*d)->log().last_seq(3);
  REQUIRE(last);
  CHECK(*last == 7);
}
