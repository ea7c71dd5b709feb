// What a node's router and admin need to know about the cluster, and the
// messages nodes exchange. The membership actor (cluster_actor.hpp) owns
// the view and sends a fresh snapshot to the router on every change; the
// router routes each shard's events by it.
//
// Messages between nodes (all to a peer's published cluster actor, always
// with a finite timeout):
//   (gossip_atom, from id, from handle, shards, view) heartbeat + membership
//   (refused_atom, reason)                         a gossip refused (node.shards differ)
//   (forward_atom, shard_parts) -> uint32          write as the primary of each part's shard
//   (replica_atom, shard_parts) -> uint32          write as a replica
//   (copy_atom, shard, event_batch) -> uint32      part of a shard's copy (idempotent)
//   (user_atom, tenant, user, true) -> user_summary  read a local copy
//   (erase_atom, tenant, user, true) -> bool       erase a local copy
//   (forward_atom, resource_request) -> grant      a claim decided on the user's node
//   (dc_atom, data center, claim_atom, resource_request) -> grant
//   (dc_atom, data center, hold_atom, hold_request) -> hold_reply
//   (dc_atom, data center, release_atom, tenant, user, instance) -> bool
//                                                  to the broker of a data center homed there
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "prescient/actors/messages.hpp"
#include "prescient/cluster/data_center_home.hpp"
#include "prescient/cluster/membership.hpp"
#include "prescient/cluster/placement.hpp"
#include "prescient/wire/admin.hpp"

namespace prescient {

using gossip_atom = caf::atom_constant<caf::atom("gossip")>;
using forward_atom = caf::atom_constant<caf::atom("forward")>;
using replica_atom = caf::atom_constant<caf::atom("replica")>;
using view_atom = caf::atom_constant<caf::atom("view")>;
using refused_atom = caf::atom_constant<caf::atom("refused")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using dc_atom = caf::atom_constant<caf::atom("dc")>;

/// One shard's events in a write between nodes. A node sends a peer one
/// message per client batch with every shard's part it has for that peer
/// (not one per shard): a batch spreads over most shards, and per-shard
/// messages cost more than the events themselves.
struct shard_part {
  uint32_t shard = 0;
  event_batch events;
};
using shard_parts = std::vector<shard_part>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_part& x) {
  return f(caf::meta::type_name("shard_part"), x.shard, x.events);
}

/// One immutable snapshot of the cluster as this node sees it.
struct cluster_view {
  std::string self;                                   ///< this node's id
  uint64_t version = 0;                               ///< bumped on every change
  std::shared_ptr<const cluster::placement> placement; ///< never null
  /// Owners that can send a shard's copy: this node and the connected
  /// ones among the members that are up or leaving.
  std::vector<std::string> live;
  /// Cluster actors of the peers this node is connected to, by node id.
  std::map<std::string, caf::actor> endpoints;
  /// Every member record with its region; live = up and connected (this
  /// node: unless leaving). Data centers are homed by it
  /// (cluster::home_of).
  std::vector<cluster::region_member> members;
  bool quorum = false;
  uint32_t reached = 1;  ///< nodes this node reaches, itself included
  uint32_t expected = 1; ///< cluster.expected_nodes
  std::chrono::milliseconds request_timeout{2'000};

  /// The handle of `node`'s cluster actor; null for this node or an
  /// unconnected one.
  caf::actor endpoint(const std::string& node) const {
    auto i = endpoints.find(node);
    return i == endpoints.end() ? caf::actor{} : i->second;
  }
  /// "no quorum: reaches K of N nodes": why a write is refused.
  std::string no_quorum() const {
    return "no quorum: reaches " + std::to_string(reached) + " of "
           + std::to_string(expected) + " nodes";
  }
};

using cluster_view_ptr = std::shared_ptr<const cluster_view>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_member_status& x) {
  return f(caf::meta::type_name("cluster_member_status"), x.id, x.address, x.region,
           x.state, x.reachable, x.phi, x.shards_primary, x.shards_owned);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_status& x) {
  return f(caf::meta::type_name("cluster_status"), x.enabled, x.self, x.quorum,
           x.expected_nodes, x.replicas, x.members, x.copies_in_flight, x.events_copied);
}

/// Registers every type that crosses nodes. Every node of a cluster must
/// call it (the names are part of the wire contract).
void add_cluster_message_types(caf::actor_system_config& cfg);

} // namespace prescient

namespace prescient::cluster {

// Here, not in prescient::cluster's own headers: that library stays free
// of CAF. Found by argument-dependent lookup.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member& x) {
  auto state = static_cast<uint8_t>(x.state);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    if (state > static_cast<uint8_t>(member_state::down))
      return caf::make_error(caf::sec::invalid_argument, "bad member state");
    x.state = static_cast<member_state>(state);
    return caf::none;
  });
  return f(caf::meta::type_name("member"), x.id, x.address, x.region, x.incarnation,
           x.version, state, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, data_center_home& x) {
  auto where = static_cast<uint8_t>(x.where);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    if (where > static_cast<uint8_t>(data_center_home::kind::lost))
      return caf::make_error(caf::sec::invalid_argument, "bad data center home");
    x.where = static_cast<data_center_home::kind>(where);
    return caf::none;
  });
  return f(caf::meta::type_name("data_center_home"), where, x.node, restore);
}

} // namespace prescient::cluster

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(prescient::cluster_view_ptr)
