#include "router_regions.hpp"

namespace prescient {

namespace {

cluster::data_center_home home(const router_state& st, size_t index) {
  if (!st.cluster)
    return {};
  auto& spec = st.opts.data_centers[index].spec;
  return cluster::home_of(spec.name, spec.region, st.cluster->members);
}

} // namespace

data_center_route route_data_center(const router_state& st, size_t index) {
  data_center_route out;
  auto h = home(st, index);
  using kind = cluster::data_center_home::kind;
  if (h.where == kind::any || (h.where == kind::node && h.node == st.cluster->self))
    return out;
  if (h.where == kind::node) {
    // Live members are connected ones, so the handle is there; a view
    // without it would be a bug, and the data center is then unreachable.
    out.endpoint = st.cluster->endpoint(h.node);
    out.where = out.endpoint ? data_center_route::kind::remote : data_center_route::kind::lost;
    out.node = h.node;
    return out;
  }
  out.where = data_center_route::kind::lost;
  return out;
}

caf::error region_lost(const router_state& st, size_t index) {
  auto& spec = st.opts.data_centers[index].spec;
  return make_error(actor_errc::unreachable, "data center '" + spec.name
                                               + "': no node of region '" + spec.region
                                               + "' is reachable");
}

std::map<std::string, cluster::data_center_home> data_center_homes(const router_state& st) {
  std::map<std::string, cluster::data_center_home> out;
  if (!st.cluster)
    return out;
  for (size_t i = 0; i < st.opts.data_centers.size(); ++i)
    out.emplace(st.opts.data_centers[i].spec.name, home(st, i));
  return out;
}

} // namespace prescient
