#include "prescient/cluster/data_center_home.hpp"

#include "prescient/cluster/placement.hpp"
#include "prescient/wire/stable_hash.hpp"

namespace prescient::cluster {

data_center_home home_of(std::string_view name, std::string_view region,
                         const std::vector<region_member>& members) {
  data_center_home out;
  // fnv1a's low bits mix poorly: rendezvous_weight finishes with mix64.
  auto key = wire::fnv1a(name);
  uint64_t best = 0;
  bool in_region = false;
  for (auto& m : members) {
    if (m.region.empty() || m.region != region)
      continue;
    in_region = true;
    if (!m.live)
      continue;
    auto w = rendezvous_weight(key, node_hash(m.id));
    // Ties (never seen with 64 bits) go to the smaller id, so the result
    // does not depend on the members' order.
    if (out.node.empty() || w > best || (w == best && m.id < out.node)) {
      best = w;
      out.node = m.id;
    }
  }
  if (!out.node.empty())
    out.where = data_center_home::kind::node;
  else if (in_region)
    out.where = data_center_home::kind::lost;
  return out;
}

} // namespace prescient::cluster
