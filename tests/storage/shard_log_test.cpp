#include "prescient/storage/shard_log.hpp"

#include <catch2/catch.hpp>

#include "prescient/storage/db.hpp"
#include "test_util.hpp"

using namespace prescient::storage;
using prescient::storage::test::db_fixture;

namespace {

std::vector<std::pair<uint64_t, std::string>> replay_all(shard_log& log,
                                                         uint16_t shard,
                                                         uint64_t after) {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto err = log.replay(shard, after, [&](uint64_t seq, std::string_view r) {
    out.emplace_back(seq, std::string{r});
  });
  REQUIRE_FALSE(err);
  return out;
}

} // namespace

TEST_CASE_METHOD(db_fixture, "shard log append, replay, truncate",
                 "[storage][shard_log]") {
  auto& log = store->log();
  write_batch b;
  for (uint16_t shard : {uint16_t{0}, uint16_t{1}, uint16_t{0xFFFF}})
    for (uint64_t seq = 1; seq <= 5; ++seq)
      log.append(b, shard, seq,
                 std::to_string(shard) + ":" + std::to_string(seq));
  log.append(b, 2, 300, std::string("\0binary\xff", 8));
  REQUIRE_FALSE(store->write(b));
  b.clear();
  for (uint16_t shard : {uint16_t{0}, uint16_t{1}, uint16_t{0xFFFF}}) {
    auto last = log.last_seq(shard);
    REQUIRE(last);
    CHECK(*last == 5);
  }
  auto empty = log.last_seq(7);
  REQUIRE(empty);
  CHECK(*empty == 0);
  auto r = replay_all(log, 1, 2);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == std::make_pair(uint64_t{3}, std::string{"1:3"}));
  CHECK(r[2].first == 5);
  auto bin = replay_all(log, 2, 0);
  REQUIRE(bin.size() == 1);
  CHECK(bin[0].second == std::string("\0binary\xff", 8));
  CHECK(replay_all(log, 0xFFFF, 0).size() == 5);
  CHECK(replay_all(log, 1, UINT64_MAX).empty());

  log.truncate(b, 1, 3);
  log.truncate(b, 0xFFFF, UINT64_MAX);
  REQUIRE_FALSE(store->write(b));
  r = replay_all(log, 1, 0);
  REQUIRE(r.size() == 2);
  CHECK(r[0].first == 4);
  CHECK(replay_all(log, 0, 0).size() == 5); // other shards untouched
  CHECK(replay_all(log, 0xFFFF, 0).empty());
  auto last = log.last_seq(0xFFFF);
  REQUIRE(last);
  CHECK(*last == 0);

  reopen();
  auto& log2 = store->log();
  CHECK(replay_all(log2, 1, 0).size() == 2);
  auto l2 = log2.last_seq(2);
  REQUIRE(l2);
  CHECK(*l2 == 300);
}
