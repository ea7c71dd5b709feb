// Data centers in several regions, each served by a node of its region:
// a request goes to the nearest data center through any node, and when
// that region's node is killed, to the next by latency — answered, not
// failed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "cluster_fixture.hpp"

using namespace prescient;
using namespace std::chrono_literals;

namespace {

// Three regions, one data center each; latency from each region's users.
const char* topology = R"([[regions]]
name = "eu-west"

[[regions]]
name = "eu-central"

[[regions]]
name = "us-east"

[[data_centers]]
name = "dub-1"
region = "eu-west"
capacity = { cpu_millicores = 2000000, memory_mb = 4000000, disk_iops = 1000000, network_mbps = 100000, gpus = 0 }
latency_ms = { eu-west = 3, eu-central = 22, us-east = 75 }
price_on_demand = 0.046

[[data_centers]]
name = "fra-1"
region = "eu-central"
capacity = { cpu_millicores = 2000000, memory_mb = 4000000, disk_iops = 1000000, network_mbps = 100000, gpus = 0 }
latency_ms = { eu-west = 21, eu-central = 3, us-east = 90 }
price_on_demand = 0.052

[[data_centers]]
name = "iad-1"
region = "us-east"
capacity = { cpu_millicores = 2000000, memory_mb = 4000000, disk_iops = 1000000, network_mbps = 100000, gpus = 0 }
latency_ms = { eu-west = 74, eu-central = 88, us-east = 2 }
price_on_demand = 0.040
)";

const data_center_status& dc_of(const node_status& s, const std::string& name) {
  for (auto& d : s.data_centers)
    if (d.name == name)
      return d;
  throw std::runtime_error("no data center " + name);
}

} // namespace

TEST_CASE("regions: the nearest region's data center through any node; a killed region "
          "falls back to the next by latency",
          "[integration][cluster][regions]") {
  // n2 is the eu-west node (not n0, the seed, so the survivors' links do
  // not depend on it).
  it::cluster_fixture f(3, 3, {"us-east", "eu-central", "eu-west"}, topology);
  for (size_t i = 0; i < 3; ++i)
    REQUIRE(it::wait_for([&] { return f.up_members(i) == 3; }, 30s));

  // Every node agrees on which node serves each data center.
  for (size_t i = 0; i < 3; ++i) {
    auto s = f.status(i);
    INFO("node n" << i);
    CHECK(dc_of(s, "dub-1").served_by == "n2");
    CHECK(dc_of(s, "fra-1").served_by == "n1");
    CHECK(dc_of(s, "iad-1").served_by == "n0");
    CHECK_FALSE(dc_of(s, "dub-1").region_lost);
  }
  auto js = nlohmann::json::parse(
    it::run_bin("prescientctl", {"--address", f.nodes[0]->address(), "--json", "status"}).out);
  for (auto& d : js["data_centers"])
    if (d["name"] == "dub-1")
      CHECK(d["served_by"] == "n2");

  // eu-west users through every node: granted by dub-1, on n2's broker.
  const int users = 6;
  std::vector<grant> granted;
  for (size_t via = 0; via < 3; ++via) {
    client c(f.client_opts(via));
    for (int u = 0; u < users; ++u) {
      auto g = c.request(it::make_request("ru" + std::to_string(u), "ide", "eu-west", 500, 512));
      INFO("via n" << via << " user ru" << u);
      CHECK(g.data_center == "dub-1");
      granted.push_back(g);
    }
    // A us-east user's nearest is iad-1, served by n0.
    CHECK(c.request(it::make_request("ru-us", "ide", "us-east", 500, 512)).data_center
          == "iad-1");
  }
  CHECK(dc_of(f.status(2), "dub-1").instances_granted == 3 * users);
  CHECK(dc_of(f.status(0), "dub-1").instances_granted == 0); // n0's own broker is idle
  CHECK(dc_of(f.status(1), "dub-1").instances_granted == 0);
  CHECK(dc_of(f.status(0), "iad-1").instances_granted == 3);

  // Claims were decided on the users' nodes and sent to the home node.
  uint64_t forwarded = 0, remote = 0;
  for (size_t i = 0; i < 3; ++i) {
    auto k = client(f.client_opts(i)).node_kpis();
    forwarded += k.claims_forwarded;
    remote += k.claims_remote_dc;
    CHECK(k.claims_fallback == 0);
  }
  CHECK(forwarded > 0);
  CHECK(remote > 0);

  // A release through a node that does not serve dub-1 reaches n2's broker.
  client(f.client_opts(0)).release("demo", "ru0", granted.front());
  CHECK(dc_of(f.status(2), "dub-1").instances_granted == 3 * users - 1);

  // SIGKILL the eu-west node: once the survivors see it gone, dub-1 is
  // unhealthy and eu-west users get the next nearest, fra-1.
  f.nodes[2]->kill();
  auto killed = std::chrono::steady_clock::now();
  for (size_t i = 0; i < 2; ++i)
    REQUIRE(it::wait_for(
      [&] {
        auto s = f.status(i);
        auto* m = it::member(s, "n2");
        return m && !m->reachable && dc_of(s, "dub-1").region_lost;
      },
      10s));
  auto detected = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  CHECK(detected <= 5.0);
  // As the third node dies, CAF may close the survivors' proxies of each
  // other too; they dial each other again (the lower id at once). Until
  // their views have the link back, eu-central looks lost from n0 as well,
  // which is right for that view but not what this test is about: wait
  // until each survivor's router sends a probe claim to fra-1.
  for (size_t i = 0; i < 2; ++i)
    REQUIRE(it::wait_for(
      [&] {
        auto s = f.status(i);
        if (!s.cluster.quorum || f.up_members(i) != 2)
          return false;
        // The router's own view, through a probe claim.
        client c(f.client_opts(i));
        auto g = c.request(it::make_request("probe", "ide", "eu-west", 500, 512));
        c.release("demo", "probe", g);
        return g.data_center == "fra-1";
      },
      15s));
  // A probe whose release failed is still granted: count from here.
  auto fra_before = dc_of(f.status(1), "fra-1").instances_granted;
  double slowest = 0;
  for (size_t via = 0; via < 2; ++via) {
    client c(f.client_opts(via));
    for (int u = 0; u < users; ++u) {
      auto start = std::chrono::steady_clock::now();
      auto g = c.request(it::make_request("ru" + std::to_string(u), "ide", "eu-west", 500, 512));
      slowest = std::max(
        slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      INFO("via n" << via << " user ru" << u);
      CHECK(g.data_center == "fra-1");
    }
  }
  // At worst a claim forwarded to the user's node gets no reply within
  // request_timeout (2 s; a reply lost on one side of a link) and is
  // decided where it arrived; the user's node's late grant is then one
  // instance more than the clients hold.
  CHECK(slowest < 5.0);
  uint64_t fallbacks = 0;
  for (size_t i = 0; i < 2; ++i)
    fallbacks += client(f.client_opts(i)).node_kpis().claims_fallback;
  auto fra = dc_of(f.status(1), "fra-1").instances_granted - fra_before;
  CHECK(fra >= 2 * users);
  CHECK(fra <= 2 * users + fallbacks);
  auto text = it::run_bin("prescientctl", {"--address", f.nodes[0]->address(), "status"});
  CHECK(text.out.find("LOST (region unreachable)") != std::string::npos);
  WARN("eu-west node loss seen by both survivors after " << detected << " s; slowest claim "
       << slowest << " s; " << fallbacks << " claims decided by fallback");
}
