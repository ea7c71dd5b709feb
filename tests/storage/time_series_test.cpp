#include "prescient/storage/time_series.hpp"

#include <catch2/catch.hpp>

#include "prescient/storage/db.hpp"
#include "test_util.hpp"

using namespace prescient;
using namespace prescient::storage;
using prescient::storage::test::db_fixture;
using prescient::storage::test::make_event;
using prescient::storage::test::write_events;

namespace {

constexpr int64_t minute = 60'000'000;
const int64_t t0 = bucket_start_of(1'700'000'000'000'000); // a bucket start

std::vector<usage_event> every_minute(int64_t from, int64_t to,
                                      std::string device = "laptop") {
  std::vector<usage_event> out;
  for (auto t = from; t < to; t += minute) {
    auto e = make_event(t);
    e.device = device;
    out.push_back(e);
  }
  return out;
}

/// Writes events, one chunk per bucket.
void store_events(db& d, const std::vector<usage_event>& events) {
  std::vector<usage_event> bucket;
  for (auto& e : events) {
    if (!bucket.empty()
        && bucket_start_of(e.time_us) != bucket_start_of(bucket[0].time_us)) {
      write_events(d, bucket);
      bucket.clear();
    }
    bucket.push_back(e);
  }
  write_events(d, bucket);
}

std::vector<int64_t> times(const std::vector<usage_event>& xs) {
  std::vector<int64_t> out;
  for (auto& x : xs)
    out.push_back(x.time_us);
  return out;
}

} // namespace

TEST_CASE_METHOD(db_fixture, "range honours bucket boundaries",
                 "[storage][time_series]") {
  // Three buckets of one event per minute.
  store_events(*store, every_minute(t0, t0 + 3 * bucket_duration_us));
  auto& ts = store->series();
  SECTION("whole buckets") {
    auto r = ts.range("acme", "alice", t0 + bucket_duration_us,
                      t0 + 2 * bucket_duration_us);
    REQUIRE(r);
    REQUIRE(r->size() == 120);
    CHECK(r->front().time_us == t0 + bucket_duration_us);
    CHECK(r->back().time_us == t0 + 2 * bucket_duration_us - minute);
  }
  SECTION("from is inclusive, to exclusive, across a boundary") {
    auto from = t0 + bucket_duration_us - minute;
    auto r = ts.range("acme", "alice", from, from + 2 * minute);
    REQUIRE(r);
    CHECK(times(*r) == std::vector<int64_t>{from, from + minute});
    r = ts.range("acme", "alice", from + 1, from + minute);
    REQUIRE(r);
    CHECK(r->empty());
  }
  SECTION("outside the data and empty ranges") {
    auto r = ts.range("acme", "alice", t0 - bucket_duration_us, t0);
    REQUIRE(r);
    CHECK(r->empty());
    r = ts.range("acme", "alice", t0 + 10, t0 + 10);
    REQUIRE(r);
    CHECK(r->empty());
    r = ts.range("acme", "bob", t0, t0 + 3 * bucket_duration_us);
    REQUIRE(r);
    CHECK(r->empty());
  }
  SECTION("everything") {
    auto r = ts.range("acme", "alice", INT64_MIN / 2, INT64_MAX / 2);
    REQUIRE(r);
    CHECK(r->size() == 360);
    auto n = ts.count_events("acme", "alice");
    REQUIRE(n);
    CHECK(*n == 360);
  }
}

TEST_CASE_METHOD(db_fixture, "several devices are ordered by device, time",
                 "[storage][time_series]") {
  store_events(*store, every_minute(t0, t0 + 3 * bucket_duration_us, "phone"));
  store_events(*store, every_minute(t0 + 30 * minute, t0 + 150 * minute, "desktop"));
  store_events(*store, every_minute(t0, t0 + 10 * minute, "tv"));
  auto& ts = store->series();
  auto devs = ts.devices("acme", "alice");
  REQUIRE(devs);
  CHECK(*devs == std::vector<std::string>{"desktop", "phone", "tv"});
  auto r = ts.range("acme", "alice", t0 + 5 * minute, t0 + 130 * minute);
  REQUIRE(r);
  // desktop 30..129, phone 5..129, tv 5..9
  REQUIRE(r->size() == 100 + 125 + 5);
  CHECK((*r)[0].device == "desktop");
  CHECK((*r)[100].device == "phone");
  CHECK((*r)[225].device == "tv");
  CHECK(std::is_sorted(r->begin(), r->end(), [](auto& a, auto& b) {
    return a.device != b.device ? a.device < b.device : a.time_us < b.time_us;
  }));
  auto only = ts.range("acme", "alice", t0, t0 + 400 * minute, "tv");
  REQUIRE(only);
  CHECK(only->size() == 10);
  auto none = ts.range("acme", "alice", t0, t0 + 400 * minute, "watch");
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE_METHOD(db_fixture, "out-of-order and multi-seq chunks come sorted",
                 "[storage][time_series]") {
  auto a = every_minute(t0, t0 + 60 * minute);
  std::reverse(a.begin(), a.end());
  write_events(*store, a, activity_class::regular, 0);
  auto b = every_minute(t0 + 30 * minute + 1, t0 + 90 * minute);
  write_events(*store, b, activity_class::regular, 1);
  auto r = store->series().range("acme", "alice", t0, t0 + bucket_duration_us);
  REQUIRE(r);
  REQUIRE(r->size() == 120);
  CHECK(std::is_sorted(r->begin(), r->end(), [](auto& x, auto& y) {
    return x.time_us < y.time_us;
  }));
}

TEST_CASE_METHOD(db_fixture, "a chunk rewritten under its key replaces it",
                 "[storage][time_series]") {
  chunk_builder b{t0};
  chunk_key key{"acme", "alice", "laptop", t0, 0};
  write_batch batch;
  for (int i = 0; i < 30; ++i) {
    b.append(make_event(t0 + i * minute));
    if (i % 10 == 9) { // a checkpoint
      store->series().put(batch, key, b);
      REQUIRE_FALSE(store->write(batch));
      batch.clear();
    }
  }
  auto n = store->series().count_events("acme", "alice");
  REQUIRE(n);
  CHECK(*n == 30);
}

TEST_CASE_METHOD(db_fixture, "ids that prefix each other stay apart",
                 "[storage][time_series]") {
  auto e = every_minute(t0, t0 + 5 * minute);
  write_events(*store, e);
  for (auto& x : e) {
    x.user = "alice2";
    x.device = "lap";
  }
  write_events(*store, e);
  auto r = store->series().range("acme", "alice", t0, t0 + bucket_duration_us);
  REQUIRE(r);
  CHECK(r->size() == 5);
  auto devs = store->series().devices("acme", "alice2");
  REQUIRE(devs);
  CHECK(*devs == std::vector<std::string>{"lap"});
}

TEST_CASE_METHOD(db_fixture, "for_each_user visits every user once",
                 "[storage][time_series]") {
  using prescient::storage::test::make_event;
  std::vector<std::pair<std::string, std::string>> users = {
    {"acme", "alice"}, {"acme", "al"}, {"beta", "bob"}};
  for (auto& [t, u] : users)
    for (std::string dev : {"laptop", "phone"})
      for (int64_t b = 0; b < 3; ++b) {
        auto e = make_event(b * bucket_duration_us + 5);
        e.tenant = t;
        e.user = u;
        e.device = dev;
        write_events(*store, {e});
      }
  std::vector<std::string> seen;
  REQUIRE_FALSE(store->series().for_each_user([&](std::string_view t, std::string_view u) {
    seen.push_back(std::string{t} + "/" + std::string{u});
    return true;
  }));
  CHECK(seen == std::vector<std::string>{"acme/al", "acme/alice", "beta/bob"});
  seen.clear();
  REQUIRE_FALSE(store->series().for_each_user([&](std::string_view t, std::string_view u) {
    seen.push_back(std::string{u});
    return seen.size() < 2;
  }));
  CHECK(seen.size() == 2);
}
