// Placement by rendezvous hashing: distinct replicas, balance, and minimal
// movement when a node joins, leaves or fails.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "prescient/cluster/placement.hpp"

using namespace prescient::cluster;

TEST_CASE("placement: replicas are distinct owners and spread evenly") {
  placement p(4096, {"n3", "n1", "n2", "n1"}, 2);
  CHECK(p.replicas() == 2);
  std::map<std::string, int> primaries, copies;
  for (uint32_t s = 0; s < p.shards(); ++s) {
    auto& o = p.owners_of(s);
    REQUIRE(o.size() == 2);
    CHECK(o[0] != o[1]);
    ++primaries[o[0]];
    for (auto& n : o)
      ++copies[n];
  }
  for (auto& [n, c] : primaries)
    CHECK(std::abs(c - 4096 / 3) < 4096 / 3 / 10); // within 10%
  for (auto& [n, c] : copies)
    CHECK(std::abs(c - 2 * 4096 / 3) < 2 * 4096 / 3 / 10);
  CHECK(p.shards_of("n1").size() == size_t(copies["n1"]));
  // Same members in any order: the same placement on every node.
  placement q(4096, {"n1", "n2", "n3"}, 2);
  for (uint32_t s = 0; s < 4096; ++s)
    REQUIRE(q.owners_of(s) == p.owners_of(s));
}

TEST_CASE("placement: more replicas than nodes, and no nodes at all") {
  placement two(8, {"a", "b"}, 3);
  CHECK(two.replicas() == 2);
  CHECK(two.owners_of(0).size() == 2);
  placement none(8, {}, 2);
  CHECK(none.owners_of(3).empty());
  CHECK(none.primary(3) == nullptr);
  CHECK(none.owners_of(99).empty()); // out of range: no owner, no crash
}

TEST_CASE("placement: a joining node takes about R/N of the copies, from live owners") {
  placement before(4096, {"a", "b", "c"}, 2);
  placement after(4096, {"a", "b", "c", "d"}, 2);
  auto t = transfers(before, after, {"a", "b", "c", "d"});
  // Only d receives; about 2/4 of the shards get a copy on d.
  std::set<uint32_t> moved;
  for (auto& x : t) {
    CHECK(x.to == "d");
    CHECK(before.owns(x.from, x.shard));
    moved.insert(x.shard);
  }
  CHECK(moved.size() == t.size());
  CHECK(std::abs(double(t.size()) - 4096 * 0.5) < 4096 * 0.05);
  // Shards that d does not own keep their owners exactly.
  for (uint32_t s = 0; s < 4096; ++s)
    if (!after.owns("d", s))
      REQUIRE(after.owners_of(s) == before.owners_of(s));
}

TEST_CASE("placement: a failed node's shards are re-replicated from the survivor") {
  placement before(1024, {"a", "b", "c"}, 2);
  placement after(1024, {"a", "c"}, 2);
  auto t = transfers(before, after, {"a", "c"});
  size_t b_had = before.shards_of("b").size();
  CHECK(t.size() == b_had); // each of b's copies is made again elsewhere
  for (auto& x : t) {
    CHECK(before.owns("b", x.shard));
    CHECK(x.from != "b");
    CHECK_FALSE(x.from.empty()); // R = 2: the other copy survived
    CHECK(after.owners_of(x.shard).size() == 2);
  }
  // Both copies lost (R = 2, two nodes fail): no source, said so.
  placement lone(1024, {"c"}, 2);
  auto lost = transfers(before, lone, {"c"});
  bool some_unsourced = false;
  for (auto& x : lost)
    some_unsourced |= x.from.empty();
  CHECK(some_unsourced);
}

TEST_CASE("placement: a node leaving gracefully hands off from itself") {
  placement before(256, {"a", "b", "c"}, 1);
  placement after(256, {"a", "b"}, 1);
  auto t = transfers(before, after, {"a", "b", "c"}); // c is live until handed off
  CHECK(t.size() == before.shards_of("c").size());
  for (auto& x : t)
    CHECK(x.from == "c");
}
