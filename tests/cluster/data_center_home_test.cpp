// Data-center homes: a node of the data center's region serves it; a lost
// region makes it unhealthy; no node in the region leaves it to every node.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "prescient/cluster/data_center_home.hpp"

using namespace prescient::cluster;
using kind = data_center_home::kind;

TEST_CASE("data-center home: a live node of the data center's region") {
  std::vector<region_member> ms{{"n0", "eu-west", true},
                                {"n1", "eu-central", true},
                                {"n2", "us-east", true}};
  auto h = home_of("dub-1", "eu-west", ms);
  CHECK(h.where == kind::node);
  CHECK(h.node == "n0");
  CHECK(home_of("fra-1", "eu-central", ms).node == "n1");
  CHECK(home_of("iad-1", "us-east", ms).node == "n2");
}

TEST_CASE("data-center home: a region whose members are all down is lost") {
  std::vector<region_member> ms{{"n0", "eu-west", false},
                                {"n3", "eu-west", false},
                                {"n1", "eu-central", true}};
  auto h = home_of("dub-1", "eu-west", ms);
  CHECK(h.where == kind::lost);
  CHECK(h.node.empty());
  // The other region's data center is not affected.
  CHECK(home_of("fra-1", "eu-central", ms).where == kind::node);
}

TEST_CASE("data-center home: no member in the region: every node serves it") {
  // A single-region cluster whose nodes name no region, and a region
  // that no node is in.
  std::vector<region_member> unnamed{{"n0", "", true}, {"n1", "", false}};
  CHECK(home_of("dub-1", "eu-west", unnamed).where == kind::any);
  std::vector<region_member> elsewhere{{"n0", "us-east", true}};
  CHECK(home_of("dub-1", "eu-west", elsewhere).where == kind::any);
  CHECK(home_of("dub-1", "eu-west", {}).where == kind::any);
  // A data center with no region is never homed, even beside nodes that
  // name none.
  CHECK(home_of("x", "", unnamed).where == kind::any);
}

TEST_CASE("data-center home: rendezvous spreads a region's data centers and "
          "moves only those of a node that leaves") {
  std::vector<region_member> ms;
  for (int i = 0; i < 4; ++i)
    ms.push_back({"eu" + std::to_string(i), "eu-west", true});
  ms.push_back({"us0", "us-east", true});
  std::map<std::string, std::string> before;
  std::map<std::string, int> per_node;
  for (int d = 0; d < 200; ++d) {
    auto name = "dc-" + std::to_string(d);
    auto h = home_of(name, "eu-west", ms);
    REQUIRE(h.where == kind::node);
    CHECK(h.node.rfind("eu", 0) == 0); // never a node of another region
    before[name] = h.node;
    ++per_node[h.node];
  }
  REQUIRE(per_node.size() == 4);
  for (auto& [n, c] : per_node)
    CHECK(c > 20); // 50 expected each

  // Same members in another order: the same homes (every node agrees).
  std::vector<region_member> reversed(ms.rbegin(), ms.rend());
  for (auto& [name, node] : before)
    CHECK(home_of(name, "eu-west", reversed).node == node);

  // An unrelated node (another region) goes down: nothing moves.
  auto us_down = ms;
  us_down.back().live = false;
  for (auto& [name, node] : before)
    CHECK(home_of(name, "eu-west", us_down).node == node);

  // eu2 goes down: only its data centers move, to the other eu nodes.
  auto eu2_down = ms;
  eu2_down[2].live = false;
  for (auto& [name, node] : before) {
    auto now = home_of(name, "eu-west", eu2_down).node;
    if (node == "eu2")
      CHECK((now != "eu2" && now.rfind("eu", 0) == 0));
    else
      CHECK(now == node);
  }
}
