#include "prescient/actors/cluster_actor.hpp"

#include <cstdio>

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "cluster_state.hpp"
#include "prescient/actors/errc.hpp"

namespace prescient {

void add_cluster_message_types(caf::actor_system_config& cfg) {
  // add_message_type<T> registers std::vector<T> as well.
  cfg.add_message_type<usage_event>("prescient::usage_event");
  cfg.add_message_type<shard_part>("prescient::shard_part");
  cfg.add_message_type<cluster::member>("prescient::member");
  cfg.add_message_type<user_summary>("prescient::user_summary");
  cfg.add_message_type<resource_request>("prescient::resource_request");
  cfg.add_message_type<grant>("prescient::grant");
  cfg.add_message_type<hold_request>("prescient::hold_request");
  cfg.add_message_type<hold_reply>("prescient::hold_reply");
}

namespace {

using self_ptr = caf::stateful_actor<cluster_state>*;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// Recomputes quorum and placement; sends the router a new view when
/// anything it routes by changed.
void refresh(self_ptr self) {
  auto& st = self->state;
  auto now = now_us();
  auto reachable = st.reachable(now);
  bool quorum = st.members->has_quorum(reachable);
  uint32_t reached = 1 + static_cast<uint32_t>(reachable.size());
  if (quorum && st.members->self().state == cluster::member_state::joining)
    st.members->set_self(cluster::member_state::up);
  // Shards live on the members that are up; a leaving member no longer
  // owns any but can still send them (it is among the `live`).
  auto serving = st.members->owners();
  std::vector<std::string> owners;
  for (auto& id : serving)
    if (st.members->find(id)->state == cluster::member_state::up)
      owners.push_back(id);
  if (owners != st.owners || !st.placement) {
    st.owners = owners;
    st.placement = std::make_shared<cluster::placement>(
      static_cast<uint32_t>(st.opts.shards.size()), owners, st.opts.replicas);
    st.dirty = true;
  }
  if (quorum != st.quorum)
    fprintf(stderr, "prescientd: %s: reaches %u of %u nodes\n",
            quorum ? "quorum" : "no quorum", reached, st.members->expected_nodes());
  if (quorum != st.quorum || reached != st.reached)
    st.dirty = true;
  st.quorum = quorum;
  st.reached = reached;
  if (!st.dirty)
    return;
  st.dirty = false;
  auto v = std::make_shared<cluster_view>();
  v->self = st.members->self().id;
  v->version = ++st.version;
  v->placement = st.placement;
  for (auto& [id, p] : st.peers)
    if (p.handle)
      v->endpoints.emplace(id, p.handle);
  for (auto& o : serving)
    if (o == v->self || v->endpoints.count(o) > 0)
      v->live.push_back(o);
  for (auto& m : st.members->view()) {
    bool self_serving = m.id == v->self && m.state != cluster::member_state::leaving
                        && m.state != cluster::member_state::down;
    bool peer_up = m.state == cluster::member_state::up && v->endpoints.count(m.id) > 0;
    v->members.push_back({m.id, m.region, self_serving || peer_up});
  }
  v->quorum = quorum;
  v->reached = reached;
  v->expected = st.members->expected_nodes();
  v->request_timeout = st.opts.request_timeout;
  self->send(st.opts.router, view_atom::value, cluster_view_ptr{std::move(v)});
}

/// Declares the lost peers down, if this side has a quorum now; a minority
/// never evicts the majority, and keeps them until it has one.
void declare_lost(self_ptr self) {
  auto& st = self->state;
  if (st.lost.empty() || !st.members->has_quorum(st.reachable(now_us())))
    return;
  for (auto& id : st.lost) {
    auto* m = st.members->find(id);
    auto p = st.peers.find(id);
    bool back = p != st.peers.end() && p->second.handle;
    if (m && !back && m->state != cluster::member_state::down) {
      fprintf(stderr, "prescientd: node '%s' is down\n", id.c_str());
      st.members->mark(id, cluster::member_state::down);
      st.dirty = true;
    }
  }
  st.lost.clear();
}

/// A peer is gone (its handle went down, or its detector fired): forget the
/// connection; declare it down only while this side has a quorum.
void lose_peer(self_ptr self, const std::string& id, const char* why) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end())
    return;
  if (i->second.handle)
    self->demonitor(i->second.handle);
  fprintf(stderr, "prescientd: lost node '%s' (%s)\n", id.c_str(), why);
  i->second.handle = nullptr;
  i->second.detector = cluster::phi_accrual{};
  st.dirty = true;
  st.lost.insert(id);
  declare_lost(self);
  refresh(self);
}

void gossip(self_ptr self, const caf::actor& to) {
  auto& st = self->state;
  self->send(to, gossip_atom::value, st.members->self().id,
             caf::actor_cast<caf::actor>(self), static_cast<uint32_t>(st.opts.shards.size()),
             st.members->view());
}

/// Connects to `address` ("host:port") without blocking; on success sends
/// it this node's view, and its answer (a gossip) tells its id.
void dial(self_ptr self, const std::string& host, uint16_t port) {
  auto& st = self->state;
  auto key = host + ":" + std::to_string(port);
  if (key == st.members->self().address) // a seed list shared by every node
    return;
  auto now = now_us();
  auto retry_us = 2 * std::chrono::duration_cast<std::chrono::microseconds>(
                        st.opts.heartbeat_interval)
                        .count();
  if (auto i = st.dialed.find(key); i != st.dialed.end() && now - i->second < retry_us)
    return;
  st.dialed[key] = now;
  auto mm = st.opts.connector ? st.opts.connector : self->system().middleman().actor_handle();
  self->request(mm, st.opts.request_timeout, caf::connect_atom::value, host, port)
    .then(
      [self](const caf::node_id&, caf::strong_actor_ptr& ptr,
             const std::set<std::string>&) {
        if (ptr)
          gossip(self, caf::actor_cast<caf::actor>(ptr));
      },
      [](caf::error&) {
        // Not there (yet): the next heartbeat dials again.
      });
}

/// Splits "host:port" (the last colon; IPv6 in brackets).
bool split_address(const std::string& a, std::string& host, uint16_t& port) {
  auto colon = a.rfind(':');
  if (colon == std::string::npos || colon + 1 >= a.size())
    return false;
  host = a.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    auto p = std::stoul(a.substr(colon + 1));
    if (p == 0 || p > 65535)
      return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

constexpr int awaited_beats = 10;
constexpr int64_t down_redial_us = 5'000'000;

void heartbeat(self_ptr self) {
  auto& st = self->state;
  auto now = now_us();
  // Suspicion first: a peer over the threshold is lost like a closed link.
  std::vector<std::string> suspected;
  for (auto& [id, p] : st.peers)
    if (p.handle && p.detector.started()
        && p.detector.suspected(now, st.opts.phi_threshold))
      suspected.push_back(id);
  for (auto& id : suspected)
    lose_peer(self, id, "no heartbeat: phi over the threshold");
  if (!st.lost.empty()) {
    declare_lost(self);
    refresh(self);
  }
  for (auto& [id, p] : st.peers)
    if (p.handle)
      gossip(self, p.handle);
  // Connect to the seeds until a peer answers, to every member that is not
  // down and not connected, and now and then to the down ones.
  std::string host;
  uint16_t port = 0;
  bool any = false;
  for (auto& [id, p] : st.peers)
    any = any || static_cast<bool>(p.handle);
  if (!any)
    for (auto& [h, p] : st.opts.seeds)
      dial(self, h, p);
  auto& self_id = st.members->self().id;
  for (auto& m : st.members->view()) {
    if (m.id == self_id)
      continue;
    if (m.state == cluster::member_state::down) {
      // A node restarted on its old address may know no seed that is up
      // (node 0 of a cluster whose seed is node 0): look for it now and then.
      if (!split_address(m.address, host, port))
        continue;
      auto last = st.dialed.find(host + ":" + std::to_string(port)); // dial()'s key
      if (last == st.dialed.end() || now - last->second >= down_redial_us)
        dial(self, host, port);
      continue;
    }
    auto i = st.peers.find(m.id);
    if (i != st.peers.end() && i->second.handle) {
      st.awaited.erase(m.id);
      continue;
    }
    // Two nodes that learn of each other at once (from a third one's
    // gossip) would dial each other; CAF then closes one of the two links
    // and its proxies report down, a false loss. The lower id dials; the
    // higher one dials only when that has not happened for 10 heartbeats.
    if (m.id < self_id && ++st.awaited[m.id] <= awaited_beats)
      continue;
    if (split_address(m.address, host, port))
      dial(self, host, port);
  }
  refresh(self);
  self->delayed_send(self, st.opts.heartbeat_interval, tick_atom::value);
}

cluster_status status_of(self_ptr self) {
  auto& st = self->state;
  auto now = now_us();
  cluster_status out;
  out.enabled = true;
  out.self = st.members->self().id;
  out.quorum = st.quorum;
  out.expected_nodes = st.members->expected_nodes();
  out.replicas = st.placement ? st.placement->replicas() : st.opts.replicas;
  for (auto& m : st.members->view()) {
    cluster_member_status ms;
    ms.id = m.id;
    ms.address = m.address;
    ms.region = m.region;
    ms.state = cluster::to_string(m.state);
    if (m.id == out.self) {
      ms.reachable = true;
    } else if (auto i = st.peers.find(m.id); i != st.peers.end()) {
      ms.phi = i->second.detector.phi(now);
      ms.reachable = i->second.handle
                     && !i->second.detector.suspected(now, st.opts.phi_threshold);
    }
    if (st.placement)
      for (uint32_t s = 0; s < st.placement->shards(); ++s) {
        auto& o = st.placement->owners_of(s);
        if (!o.empty() && o.front() == m.id)
          ++ms.shards_primary;
        if (std::find(o.begin(), o.end(), m.id) != o.end())
          ++ms.shards_owned;
      }
    out.members.push_back(std::move(ms));
  }
  return out;
}

/// The node to read `shard` from: its primary (this node or a peer). The
/// primary always has the shard's whole history: a replica promoted by a
/// failure held every acknowledged write, while a node that just became a
/// replica may not have received the older ones yet.
caf::actor read_source(self_ptr self, uint32_t shard, bool& local) {
  auto& st = self->state;
  auto* primary = st.placement->primary(shard);
  local = !primary || *primary == st.members->self().id;
  if (local)
    return {};
  auto i = st.peers.find(*primary);
  return i != st.peers.end() ? i->second.handle : caf::actor{};
}

caf::behavior cluster_impl(self_ptr self, cluster_options opts) {
  auto& st = self->state;
  st.members = std::make_unique<cluster::membership>(opts.self, opts.expected_nodes);
  st.ring = std::make_unique<shard_ring>(static_cast<uint32_t>(opts.shards.size()),
                                         opts.vnodes);
  st.opts = std::move(opts);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto& [id, p] : st.peers)
      if (p.handle && p.handle.address() == dm.source) {
        auto lost = id; // lose_peer may touch the map
        lose_peer(self, lost, "link closed");
        // CAF also closes a live node's proxies when a route through a
        // third node that died goes (seen: both survivors of a 3-node
        // cluster losing each other as the third was killed). Dial it at
        // once rather than at the next heartbeat: a live node is back
        // within milliseconds, a dead one refuses. Only the lower id does,
        // as for any pair (see heartbeat()).
        auto* m = st.members->find(lost);
        std::string host;
        uint16_t port = 0;
        if (m && lost > st.members->self().id && split_address(m->address, host, port)) {
          st.dialed.erase(host + ":" + std::to_string(port));
          dial(self, host, port);
        }
        return;
      }
  });
  refresh(self);
  self->send(self, tick_atom::value);
  return {
    [self](tick_atom) { heartbeat(self); },
    [self](gossip_atom, const std::string& from, const caf::actor& handle, uint32_t shards,
           const std::vector<cluster::member>& view) {
      auto& st = self->state;
      if (from.empty() || from == st.members->self().id || !handle)
        return;
      if (shards != st.opts.shards.size()) {
        // Users map to shards by node.shards: nodes that disagree would
        // look for a user in different shards.
        auto why = "node '" + from + "' has node.shards = " + std::to_string(shards)
                   + " but the cluster of node '" + st.members->self().id + "' has "
                   + std::to_string(st.opts.shards.size())
                   + "; node.shards must be the same on every node";
        if (st.refused.insert(from).second)
          fprintf(stderr, "prescientd: refusing a peer: %s\n", why.c_str());
        self->send(handle, refused_atom::value, why);
        return;
      }
      auto& p = st.peers[from];
      if (p.handle != handle) {
        if (p.handle)
          self->demonitor(p.handle);
        p.handle = handle;
        self->monitor(handle);
        st.lost.erase(from); // it is back before it was declared down
        st.dirty = true;
      }
      p.detector.heartbeat(now_us());
      if (st.members->merge(view))
        st.dirty = true;
      refresh(self);
    },
    [self](refused_atom, const std::string& why) {
      if (self->state.refused.insert(why).second)
        fprintf(stderr, "prescientd: refused by the cluster: %s\n", why.c_str());
    },
    [self](forward_atom a, shard_parts& parts) {
      return self->delegate(self->state.opts.router, a, std::move(parts));
    },
    [self](replica_atom a, shard_parts& parts) {
      return self->delegate(self->state.opts.router, a, std::move(parts));
    },
    [self](copy_atom a, uint32_t shard, event_batch& events) {
      return self->delegate(self->state.opts.router, a, shard, std::move(events));
    },
    // Claims decided on the user's node, and requests for the brokers of the
    // data centers homed here: the router answers them.
    [self](forward_atom a, resource_request& r) {
      return self->delegate(self->state.opts.router, a, std::move(r));
    },
    [self](dc_atom a, std::string& dc, claim_atom b, resource_request& r) {
      return self->delegate(self->state.opts.router, a, std::move(dc), b, std::move(r));
    },
    [self](dc_atom a, std::string& dc, hold_atom b, hold_request& r) {
      return self->delegate(self->state.opts.router, a, std::move(dc), b, std::move(r));
    },
    [self](dc_atom a, std::string& dc, release_atom b, std::string& tenant, std::string& user,
           std::string& instance) {
      return self->delegate(self->state.opts.router, a, std::move(dc), b, std::move(tenant),
                            std::move(user), std::move(instance));
    },
    [self](status_atom) { return status_of(self); },
    [self](leave_atom) {
      auto& st = self->state;
      st.members->set_self(cluster::member_state::leaving);
      st.dirty = true;
      refresh(self);
      for (auto& [id, p] : st.peers) // now, not at the next heartbeat
        if (p.handle)
          gossip(self, p.handle);
      return true;
    },
    // A peer reads its copy: answered here, never forwarded again.
    [self](user_atom a, const std::string& tenant, const std::string& user, bool) {
      auto& st = self->state;
      return self->delegate(st.opts.shards[st.ring->shard_of(tenant, user)], a, tenant,
                            user);
    },
    [self](erase_atom a, const std::string& tenant, const std::string& user, bool) {
      auto& st = self->state;
      return self->delegate(st.opts.shards[st.ring->shard_of(tenant, user)], a, tenant,
                            user);
    },
    [self](user_atom a, const std::string& tenant,
           const std::string& user) -> caf::result<user_summary> {
      auto& st = self->state;
      auto shard = st.ring->shard_of(tenant, user);
      bool local = false;
      auto remote = read_source(self, shard, local);
      if (local)
        return self->delegate(st.opts.shards[shard], a, tenant, user);
      if (!remote)
        return make_error(actor_errc::unreachable,
                          "node '" + *st.placement->primary(shard) + "', the primary of shard "
                            + std::to_string(shard) + ", is not connected");
      auto rp = self->make_response_promise<user_summary>();
      self->request(remote, st.opts.request_timeout, a, tenant, user, true)
        .then([rp](user_summary& s) mutable { rp.deliver(std::move(s)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    // Erasure reaches every copy: the local one and each remote owner's.
    [self](erase_atom a, const std::string& tenant,
           const std::string& user) -> caf::result<bool> {
      auto& st = self->state;
      auto shard = st.ring->shard_of(tenant, user);
      auto owners = st.placement->owners_of(shard);
      struct join {
        size_t pending = 0;
        bool found = false;
        bool failed = false;
      };
      auto j = std::make_shared<join>();
      auto rp = self->make_response_promise<bool>();
      auto ok = [j, rp](bool found) mutable {
        j->found = j->found || found;
        if (--j->pending == 0 && !j->failed)
          rp.deliver(j->found);
      };
      auto fail = [j, rp](caf::error& err) mutable {
        if (!j->failed) {
          j->failed = true;
          rp.deliver(std::move(err));
        }
      };
      std::vector<caf::actor> remotes;
      bool local = owners.empty();
      for (auto& o : owners) {
        if (o == st.members->self().id) {
          local = true;
        } else if (auto i = st.peers.find(o); i != st.peers.end() && i->second.handle) {
          remotes.push_back(i->second.handle);
        } else {
          return make_error(actor_errc::unreachable,
                            "node '" + o + "' holds a copy of the user and is not reachable");
        }
      }
      j->pending = remotes.size() + (local ? 1 : 0);
      if (local)
        self->request(st.opts.shards[shard], st.opts.request_timeout, a, tenant, user)
          .then(ok, fail);
      for (auto& r : remotes)
        self->request(r, st.opts.request_timeout, a, tenant, user, true).then(ok, fail);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_cluster(caf::actor_system& sys, cluster_options opts) {
  return sys.spawn(cluster_impl, std::move(opts));
}

} // namespace prescient
