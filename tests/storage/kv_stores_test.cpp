#include "prescient/storage/ledger_store.hpp"
#include "prescient/storage/profile_store.hpp"

#include <catch2/catch.hpp>

#include <map>

#include "prescient/storage/db.hpp"
#include "test_util.hpp"

using namespace prescient::storage;
using prescient::storage::test::db_fixture;

TEST_CASE_METHOD(db_fixture, "profile blobs put, get, erase",
                 "[storage][profile_store]") {
  auto& p = store->profiles();
  write_batch b;
  p.put(b, "acme", "alice", "state-a");
  p.put(b, "acme", "bob", std::string(5000, '\x01'));
  p.put(b, "acme", "alice", "state-a2"); // last write in a batch wins
  REQUIRE_FALSE(store->write(b));
  b.clear();
  auto a = p.get("acme", "alice");
  REQUIRE(a);
  REQUIRE(a->has_value());
  CHECK(**a == "state-a2");
  auto none = p.get("acme", "carol");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  p.erase(b, "acme", "alice");
  REQUIRE_FALSE(store->write(b));
  a = p.get("acme", "alice");
  REQUIRE(a);
  CHECK_FALSE(a->has_value());
  auto bob = p.get("acme", "bob");
  REQUIRE(bob);
  CHECK((*bob)->size() == 5000);
  for (int i = 0; i < 20; ++i)
    p.put(b, "acme", "user-" + std::to_string(i), "x");
  REQUIRE_FALSE(store->write(b));
  REQUIRE_FALSE(store->flush());
  // An estimate: RocksDB subtracts tombstones twice, so only roughly.
  CHECK(store->estimate_profiles() >= 10);
}

TEST_CASE_METHOD(db_fixture, "ledger scan by prefix", "[storage][ledger]") {
  auto& l = store->ledger();
  write_batch b;
  l.put(b, "dc1/hold/1", "h1");
  l.put(b, "dc1/hold/2", "h2");
  l.put(b, "dc1/inst/9", "i9");
  l.put(b, "dc2/hold/1", "x");
  l.put(b, "dc1\xff", "edge");
  REQUIRE_FALSE(store->write(b));
  b.clear();
  std::map<std::string, std::string> seen;
  auto collect = [&](std::string_view k, std::string_view v) {
    seen.emplace(std::string{k}, std::string{v});
  };
  REQUIRE_FALSE(l.scan("dc1/hold/", collect));
  CHECK(seen == std::map<std::string, std::string>{{"dc1/hold/1", "h1"},
                                                   {"dc1/hold/2", "h2"}});
  seen.clear();
  l.erase(b, "dc1/hold/1");
  REQUIRE_FALSE(store->write(b));
  REQUIRE_FALSE(l.scan("", collect));
  CHECK(seen.size() == 4);
  seen.clear();
  REQUIRE_FALSE(l.scan("dc1\xff", collect));
  CHECK(seen.size() == 1);
}

TEST_CASE_METHOD(db_fixture, "model blobs by tenant and version, counters",
                 "[storage][model_store]") {
  auto& m = store->models();
  write_batch b;
  m.put(b, "beta", 2, "b2");
  m.put(b, "acme", 10, "a10");
  m.put(b, "acme", 9, "a9");
  m.put(b, "acme", 256, "a256"); // big-endian versions sort numerically
  m.set_last_version(b, "acme", 300);
  REQUIRE_FALSE(store->write(b));
  b.clear();
  std::vector<std::string> seen;
  REQUIRE_FALSE(m.scan([&](std::string_view t, uint64_t v, std::string_view blob) {
    seen.push_back(std::string{t} + ":" + std::to_string(v) + "=" + std::string{blob});
  }));
  CHECK(seen == std::vector<std::string>{"acme:9=a9", "acme:10=a10", "acme:256=a256",
                                         "beta:2=b2"});
  m.erase(b, "acme", 9);
  REQUIRE_FALSE(store->write(b));
  seen.clear();
  REQUIRE_FALSE(m.scan([&](std::string_view t, uint64_t v, std::string_view) {
    seen.push_back(std::string{t} + ":" + std::to_string(v));
  }));
  CHECK(seen.size() == 3);
  CHECK(*m.last_version("acme") == 300);
  CHECK(*m.last_version("beta") == 0);
  reopen(); // the watermark key in the same family is not a model
  seen.clear();
  REQUIRE_FALSE(store->models().scan([&](std::string_view t, uint64_t v, std::string_view) {
    seen.push_back(std::string{t} + ":" + std::to_string(v));
  }));
  CHECK(seen.size() == 3);
  CHECK(*store->models().last_version("acme") == 300);
}
