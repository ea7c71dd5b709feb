// A cluster of real prescientd processes on loopback for the cluster
// tests: node i is "n<i>" with its own directory, RPC port and cluster
// port; every node lists node 0 as its seed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "prescient/testkit/cluster_config.hpp"

namespace prescient::it {

struct cluster_fixture {
  /// Starts `n` nodes of a cluster of `expected` nodes (fast failure
  /// detection: 100 ms heartbeats, 1 s connection timeout).
  cluster_fixture(int n, int expected);
  /// The same, node i in `regions[i]` (cluster.region), with `topology`
  /// (regions and data centers) instead of write_config's.
  cluster_fixture(int n, int expected, std::vector<std::string> regions, std::string topology);
  ~cluster_fixture();

  /// Starts one more node (joining through node 0); returns its index.
  size_t add_node();
  client_options client_opts(size_t i) const;
  /// Node i's status through the client library.
  node_status status(size_t i) const;
  /// Members node i sees up and reachable.
  size_t up_members(size_t i) const;

  int expected;
  std::vector<std::string> regions;
  std::string topology;
  std::vector<std::string> dirs;
  std::vector<uint16_t> cluster_ports;
  std::vector<std::unique_ptr<testkit::node_process>> nodes;
};

/// Member `id` in a node's status; null when it does not list it.
const cluster_member_status* member(const node_status& s, const std::string& id);

/// Polls `done` every 50 ms until it holds or `limit` passes; returns
/// whether it held. Exceptions from `done` count as "not yet".
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit);

} // namespace prescient::it
