// Membership views: merge order does not matter, a live node refutes a
// verdict of down, a restart supersedes its past, quorum is a majority.
#include <catch2/catch.hpp>

#include <algorithm>

#include "prescient/cluster/membership.hpp"

using namespace prescient::cluster;

namespace {

member node(const std::string& id, uint64_t incarnation = 1,
            member_state s = member_state::up, uint64_t version = 1) {
  return {id, id + ":4000", "eu", incarnation, version, s};
}

bool same(const std::vector<member>& a, const std::vector<member>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](auto& x, auto& y) {
    return x.id == y.id && x.incarnation == y.incarnation && x.version == y.version
           && x.state == y.state;
  });
}

} // namespace

TEST_CASE("membership: gossip in any order gives the same view") {
  std::vector<std::vector<member>> updates{
    {node("b")},
    {node("c")},
    {node("b", 1, member_state::down, 2)},     // someone's verdict
    {node("c", 1, member_state::leaving, 2)},  // c starts leaving
    {node("b", 2, member_state::joining, 1)},  // b restarted: a new life
    {node("c", 1, member_state::up, 2)},       // concurrent change: leaving wins the tie
  };
  std::vector<size_t> order(updates.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::vector<member> first;
  do {
    membership m(node("a"), 3);
    for (auto i : order)
      m.merge(updates[i]);
    if (first.empty())
      first = m.view();
    else
      REQUIRE(same(m.view(), first));
  } while (std::next_permutation(order.begin(), order.end()));
  membership m(node("a"), 3);
  for (auto& u : updates)
    m.merge(u);
  CHECK(m.find("b")->incarnation == 2);
  CHECK(m.find("b")->state == member_state::joining);
  CHECK(m.find("c")->state == member_state::leaving);
  CHECK(m.owners() == std::vector<std::string>{"a", "c"});
}

TEST_CASE("membership: a live node refutes being declared down") {
  membership a(node("a"), 3);
  membership b(node("b"), 3);
  b.merge(a.view());
  REQUIRE(b.mark("a", member_state::down)); // b's detector fired wrongly
  CHECK(b.find("a")->state == member_state::down);
  CHECK(a.merge(b.view()));                  // a hears of it...
  CHECK(a.self().state == member_state::up); // ...and stays up, outbidding it
  CHECK(b.merge(a.view()));
  CHECK(b.find("a")->state == member_state::up);
  // Stale news of a's earlier life changes nothing.
  CHECK_FALSE(a.merge({node("a", 0, member_state::down, 99)}));
  CHECK(b.mark("a", member_state::up)); // already up: nothing to change
  CHECK_FALSE(b.mark("zed", member_state::down));
  CHECK_FALSE(b.mark("b", member_state::down)); // not about itself
}

TEST_CASE("membership: quorum is a strict majority of the expected cluster") {
  membership m(node("a"), 3);
  m.merge({node("b"), node("c")});
  CHECK(m.has_quorum({"b", "c"}));
  CHECK(m.has_quorum({"b"}));   // 2 of 3
  CHECK_FALSE(m.has_quorum({})); // 1 of 3: the minority side
  m.mark("b", member_state::down);
  CHECK_FALSE(m.has_quorum({"b"})); // reachable but declared down: not counted
  membership four(node("a"), 4);
  four.merge({node("b"), node("c"), node("d")});
  CHECK_FALSE(four.has_quorum({"b"})); // 2 of 4 is not a majority
  CHECK(four.has_quorum({"b", "c"}));
  membership alone(node("a"), 1);
  CHECK(alone.has_quorum({}));
  CHECK_FALSE(m.has_quorum({"stranger", "unknown"})); // only members count
}

TEST_CASE("membership: own state changes bump the version") {
  membership m(node("a", 1, member_state::joining), 1);
  auto v = m.self().version;
  m.set_self(member_state::up);
  CHECK(m.self().version == v + 1);
  m.set_self(member_state::up);
  CHECK(m.self().version == v + 1);
  CHECK(std::string(to_string(member_state::leaving)) == "leaving");
}
