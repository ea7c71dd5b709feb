#include "cluster_fixture.hpp"

#include <thread>

namespace prescient::it {

cluster_fixture::cluster_fixture(int n, int expected_nodes)
    : cluster_fixture(n, expected_nodes, {}, "") {}

cluster_fixture::cluster_fixture(int n, int expected_nodes, std::vector<std::string> node_regions,
                                 std::string node_topology)
    : expected(expected_nodes), regions(std::move(node_regions)),
      topology(std::move(node_topology)) {
  for (int i = 0; i < n; ++i)
    add_node();
}

cluster_fixture::~cluster_fixture() {
  nodes.clear();
  for (auto& d : dirs)
    testkit::remove_tree(d);
}

size_t cluster_fixture::add_node() {
  auto i = nodes.size();
  testkit::cluster_node_spec spec;
  spec.id = "n" + std::to_string(i);
  spec.cluster_port = testkit::free_port();
  if (!cluster_ports.empty())
    spec.seeds.push_back(cluster_ports.front());
  spec.expected_nodes = static_cast<uint32_t>(expected);
  if (i < regions.size())
    spec.region = regions[i];
  spec.topology = topology;
  // A killed node closes its sockets, so its loss is seen at once (down_msg)
  // or by phi within a second; the connection timeout only catches silent
  // links, and at 1 s it cut healthy ones on a saturated 2-core CI machine
  // (a replica write then failed with "did not answer within 2000 ms").
  spec.cluster_extra = "heartbeat_interval = \"100ms\"\nconnection_timeout = \"3s\"\n"
                       "request_timeout = \"2s\"\n";
  spec.extra = "[learned]\nenabled = false\n";
  auto dir = testkit::make_temp_dir("prescient-cluster");
  auto config = testkit::write_cluster_config(dir, spec);
  dirs.push_back(dir);
  cluster_ports.push_back(spec.cluster_port);
  nodes.push_back(std::make_unique<testkit::node_process>(
    testkit::node_process::options{bin_path("prescientd"), config, dir + "/data"}));
  return i;
}

client_options cluster_fixture::client_opts(size_t i) const {
  client_options o;
  o.address = nodes.at(i)->address();
  o.timeout = std::chrono::seconds(10);
  return o;
}

node_status cluster_fixture::status(size_t i) const {
  client c(client_opts(i));
  return c.status();
}

size_t cluster_fixture::up_members(size_t i) const {
  size_t n = 0;
  for (auto& m : status(i).cluster.members)
    n += m.state == "up" && m.reachable ? 1 : 0;
  return n;
}

const cluster_member_status* member(const node_status& s, const std::string& id) {
  for (auto& m : s.cluster.members)
    if (m.id == id)
      return &m;
  return nullptr;
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (done())
        return true;
    } catch (const std::exception&) {
      // not serving yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

} // namespace prescient::it
