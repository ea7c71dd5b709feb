// Which node's broker serves a data center in a multi-region cluster.
//
// Every node runs a broker for every configured data center, but only one
// of them may count, or two nodes would hand out the same capacity. A data
// center is served by a node of its own region (its home): among the live
// members of that region, the one with the highest rendezvous weight for
// the data center's name. Rendezvous, as for shards (placement.hpp): every
// node computes the same home from the same member list, and a node that
// leaves moves only the data centers homed on it.
//
// When the region has members but none is live, the region is lost: the
// data center is unhealthy and requests skip it (ranking then falls through
// to the next data center by latency). When no member is in the region at
// all (a cluster whose nodes name no region, or nodes of other regions
// only), there is nothing to choose: every node serves it with its own
// broker, as a standalone node does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace prescient::cluster {

/// A member as data-center homing sees it.
struct region_member {
  std::string id;
  std::string region; ///< cluster.region of the node ("" = none)
  bool live = false;  ///< up and reachable from the node that computes
};

struct data_center_home {
  enum class kind : uint8_t {
    any,  ///< no member in the region: each node's own broker serves it
    node, ///< served by `node`'s broker
    lost, ///< the region's members are all down or unreachable: skip it
  };
  kind where = kind::any;
  std::string node; ///< the home node when `where == node`
};

/// Where data center `name` of region `region` is served, given the
/// members this node knows of (any order; each id once).
data_center_home home_of(std::string_view name, std::string_view region,
                         const std::vector<region_member>& members);

} // namespace prescient::cluster
