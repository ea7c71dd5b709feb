// State of the membership actor (private; see cluster_actor.hpp).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <caf/actor.hpp>

#include "prescient/actors/cluster_actor.hpp"
#include "prescient/actors/ring.hpp"
#include "prescient/cluster/membership.hpp"
#include "prescient/cluster/phi_accrual.hpp"
#include "prescient/cluster/placement.hpp"

namespace prescient {

struct cluster_peer {
  caf::actor handle;  ///< its cluster actor; null while not connected
  cluster::phi_accrual detector;
};

struct cluster_state {
  static inline const char* name = "cluster";

  cluster_options opts;
  std::unique_ptr<cluster::membership> members;
  std::unique_ptr<shard_ring> ring;
  std::map<std::string, cluster_peer> peers; ///< by node id
  /// Addresses being connected or tried lately -> when (steady µs).
  std::map<std::string, int64_t> dialed;
  /// Heartbeats a member with a lower id has been left to dial this node.
  std::map<std::string, int> awaited;
  std::vector<std::string> owners; ///< of `placement`
  std::shared_ptr<const cluster::placement> placement;
  uint64_t version = 0;
  bool quorum = false;
  uint32_t reached = 1;
  bool dirty = true; ///< the router's view is stale
  std::set<std::string> refused; ///< refusals already reported (once each)
  /// Peers lost while this side had no quorum (e.g. the only other peer was
  /// briefly suspected on a loaded machine): declared down at the first
  /// heartbeat with a quorum, unless they have come back by then.
  std::set<std::string> lost;

  /// Peers connected and not suspected at `now_us`.
  std::set<std::string> reachable(int64_t now_us) const {
    std::set<std::string> out;
    for (auto& [id, p] : peers)
      if (p.handle && !p.detector.suspected(now_us, opts.phi_threshold))
        out.insert(id);
    return out;
  }
};

} // namespace prescient
