// Configurations for a cluster of prescientd processes on loopback: each
// node's file is write_config()'s (same topology and tenants everywhere)
// with its own node id and a [cluster] section.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace prescient::testkit {

/// A TCP port on 127.0.0.1 that was free a moment ago (bound, then
/// released: another process could take it in between, which a test
/// reports as a node that does not start).
uint16_t free_port();

struct cluster_node_spec {
  std::string id;             ///< node.id
  uint16_t cluster_port = 0;  ///< cluster.listen on 127.0.0.1
  std::vector<uint16_t> seeds;
  uint32_t expected_nodes = 3;
  std::string region;         ///< cluster.region; "" = none
  /// Replaces write_config's regions and data centers when not empty.
  std::string topology;
  /// Appended to the [cluster] section (e.g. "heartbeat_interval = \"100ms\"\n").
  std::string cluster_extra;
  /// Extra lines of the [node] section (e.g. "worker_threads = 1\n").
  std::string node_extra;
  /// Appended after it, as write_config's `extra`.
  std::string extra;
};

/// Writes `dir`/node.toml for one node of the cluster; returns its path.
std::string write_cluster_config(const std::string& dir, const cluster_node_spec& spec);

} // namespace prescient::testkit
