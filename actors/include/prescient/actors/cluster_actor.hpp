// The membership actor: one per node in cluster mode, published on the
// node's cluster endpoint (cluster.listen) through CAF's middleman.
//
// It connects to the seeds and to every member it learns of (the
// middleman's asynchronous connect, with a timeout: never the blocking
// remote_actor on an actor thread); every heartbeat interval it sends its
// whole view to every connected peer (gossip, a full mesh: fine for tens
// of nodes), which doubles as the heartbeat. Each peer has a phi-accrual
// detector; a peer over the threshold, or whose handle reports down (CAF
// 0.17 has no node_down_msg: the remote actor's down_msg is the signal),
// is marked down — only while this node has a quorum, so a minority side
// never evicts the majority. On every change it computes the placement of
// the shards and sends the router a new cluster_view.
//
// It is also the node's door for its peers: writes forwarded to this node
// as primary, replica writes, and reads of a user's local copy, each handed
// to the router or the local shard.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman_actor.hpp>

#include "prescient/actors/cluster_view.hpp"
#include "prescient/actors/router_actor.hpp"
#include "prescient/actors/shard_actor.hpp"

namespace prescient {

struct cluster_options {
  cluster::member self;  ///< id, address, region, incarnation (state: joining)
  uint32_t expected_nodes = 1;
  uint32_t replicas = 2;
  std::vector<std::pair<std::string, uint16_t>> seeds; ///< host, port
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds request_timeout{2'000};
  double phi_threshold = 8;
  /// Where to send (connect_atom, host, port) to reach a peer: the
  /// transport's middleman (with TLS, the OpenSSL manager's). Null = the
  /// plain middleman.
  caf::io::middleman_actor connector;
  router_actor router;
  std::vector<shard_actor> shards; ///< index = shard id
  uint32_t vnodes = 128;           ///< must match the router's ring
};

/// Spawns the membership actor (dynamically typed: it is published and
/// reached from other nodes). It sends the router its first view at once.
/// Local requests: (status_atom) -> cluster_status; (user_atom, tenant,
/// user) -> user_summary and (erase_atom, tenant, user) -> bool, answered
/// from wherever the user's shard lives; (leave_atom) -> bool: this node
/// leaves (state leaving): the placement drops it at once, and its router
/// sends the shards it held to their new owners (router status
/// copies_in_flight falls to 0 when done).
caf::actor spawn_cluster(caf::actor_system& sys, cluster_options opts);

} // namespace prescient
