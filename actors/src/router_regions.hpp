// The router's data centers in a multi-region cluster (private): each data
// center is served by the broker on its home node (cluster::home_of), so
// claims, holds and releases for a data center homed on a peer go to that
// peer's cluster actor, which passes them to its router and broker. A data
// center whose region is lost is skipped like a full one. Standalone, and
// for data centers of regions no node is in, this node's own broker serves.
#pragma once

#include <string>
#include <utility>

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <map>

#include "prescient/actors/errc.hpp"
#include "router_cluster.hpp"
#include "router_state.hpp"

namespace prescient {

/// Where requests for data center `index` (of router_options) go now.
struct data_center_route {
  enum class kind : uint8_t { local, remote, lost };
  kind where = kind::local;
  std::string node;    ///< remote: the home node
  caf::actor endpoint; ///< remote: its cluster actor
};

data_center_route route_data_center(const router_state& st, size_t index);

/// Why data center `index` was skipped: its region has no live node.
caf::error region_lost(const router_state& st, size_t index);

/// Sends (atom, args...) to data center `index`'s broker: this node's own
/// (bounded by the router's timeout) or the home node's, through its cluster
/// actor (bounded by the view's request_timeout). Calls exactly one of
/// `on_reply(Reply&)` and `on_error(caf::error&)`, the latter at once for a
/// data center whose region is lost.
template <class Reply, class Atom, class OnReply, class OnError, class... Ts>
void ask_data_center(router_self self, size_t index, OnReply on_reply, OnError on_error,
                     Atom atom, const Ts&... args) {
  auto& st = self->state;
  auto& dc = st.opts.data_centers[index];
  auto route = route_data_center(st, index);
  switch (route.where) {
    case data_center_route::kind::local:
      self->request(dc.broker, st.opts.timeout, atom, args...)
        .then([on_reply](Reply& r) mutable { on_reply(r); },
              [on_error](caf::error& err) mutable { on_error(err); });
      return;
    case data_center_route::kind::remote: {
      auto view = st.cluster;
      // Bounded by request_timeout, like every request to a peer (a longer
      // bound left clients without an answer when a reply was lost on one
      // side of a link); if the home node's link goes first, the request
      // fails at once (CAF drops the replies of a closed link).
      auto id = await_peer(self, route.node, route.endpoint, [on_error, node = route.node]() mutable {
        auto err = make_error(actor_errc::unreachable,
                              "node '" + node + "' was lost before it answered");
        on_error(err);
      });
      self->request(route.endpoint, view->request_timeout, dc_atom::value, dc.spec.name, atom,
                    args...)
        .then(
          [self, id, on_reply](Reply& r) mutable {
            if (self->state.awaited_peers.erase(id) != 0)
              on_reply(r);
          },
          [self, id, on_error, view, node = route.node](caf::error& err) mutable {
            if (self->state.awaited_peers.erase(id) == 0)
              return;
            auto why = peer_error(node, *view, err);
            on_error(why);
          });
      return;
    }
    case data_center_route::kind::lost: {
      auto err = region_lost(st, index);
      on_error(err);
      return;
    }
  }
}

/// A peer's request for data center `dc`, homed here: passed to this node's
/// broker. An unknown name is the peer's bad input.
template <class Reply, class Atom, class... Ts>
caf::result<Reply> serve_data_center(router_self self, const std::string& dc, Atom atom,
                                     const Ts&... args) {
  auto& st = self->state;
  auto i = st.dc_index.find(dc);
  if (i == st.dc_index.end())
    return make_error(actor_errc::bad_input, "data center '" + dc
                                               + "' is not configured on node '"
                                               + (st.cluster ? st.cluster->self : "") + "'");
  auto rp = self->make_response_promise<Reply>();
  self->request(st.opts.data_centers[i->second].broker, st.opts.timeout, atom, args...)
    .then([rp](Reply& r) mutable { rp.deliver(std::move(r)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Cluster: where each data center is served now, by name (see
/// router_stats::data_center_homes).
std::map<std::string, cluster::data_center_home> data_center_homes(const router_state& st);

} // namespace prescient
