#include "prescient/actors/router_actor.hpp"

#include <algorithm>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "prescient/actors/errc.hpp"
#include "router_cluster.hpp"
#include "router_regions.hpp"
#include "router_state.hpp"
#include "spot_market.hpp"

namespace prescient {

std::vector<size_t> rank_data_centers(const std::vector<data_center_spec>& dcs,
                                      const tenant_policy& tenant,
                                      const std::string& region, int64_t now_us) {
  auto allowed = [&](const data_center_spec& dc) {
    return tenant.allowed_regions.empty()
           || std::find(tenant.allowed_regions.begin(),
                        tenant.allowed_regions.end(), dc.region)
                != tenant.allowed_regions.end();
  };
  auto latency = [&](const data_center_spec& dc) {
    if (region.empty())
      return 0.0;
    if (auto i = dc.latency_ms.find(region); i != dc.latency_ms.end())
      return i->second;
    return dc.region == region ? 0.0 : 1e9; // unknown distance: last resort
  };
  std::vector<size_t> out;
  std::vector<double> price(dcs.size());
  for (size_t i = 0; i < dcs.size(); ++i)
    if (allowed(dcs[i])) {
      out.push_back(i);
      // What warm capacity there would cost: spot when its predicted price
      // stays under the ceiling for a hold window, else on-demand.
      price[i] = capacity_price(dcs[i], now_us, now_us + dcs[i].hold_time_us);
    }
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    auto la = latency(dcs[a]), lb = latency(dcs[b]);
    if (la != lb)
      return la < lb;
    if (price[a] != price[b])
      return price[a] < price[b];
    return dcs[a].name < dcs[b].name;
  });
  return out;
}

namespace {

using self_ptr = router_self;
using clock = std::chrono::steady_clock;

} // namespace

shard_parts split_by_shard(router_state& st, event_batch& events) {
  std::vector<event_batch> per_shard(st.ring->shards());
  for (auto& e : events) {
    st.watermark_us = std::max(st.watermark_us, e.time_us);
    per_shard[st.ring->shard_of(e.tenant, e.user)].push_back(std::move(e));
  }
  shard_parts out;
  for (uint32_t s = 0; s < per_shard.size(); ++s)
    if (!per_shard[s].empty())
      out.push_back({s, std::move(per_shard[s])});
  return out;
}

void write_local(router_self self, shard_parts parts, write_done done, bool copy) {
  auto& st = self->state;
  auto join = write_join::make(parts.size(), std::move(done));
  for (auto& p : parts) {
    auto part_done = join->part();
    auto& shard = st.opts.shards[p.shard];
    auto rh = copy ? self->request(shard, st.opts.timeout, copy_atom::value, std::move(p.events))
                   : self->request(shard, st.opts.timeout, ingest_atom::value,
                                   std::move(p.events));
    rh.then([part_done](uint32_t n) { part_done(n); },
            [part_done](caf::error& err) { part_done(std::move(err)); });
  }
}

void run_later(router_self self, std::chrono::milliseconds delay, std::function<void()> work) {
  self->state.deferred.emplace(clock::now() + delay, std::move(work));
  self->delayed_send(self, delay, later_atom::value);
}

uint64_t await_peer(router_self self, const std::string& node, const caf::actor& endpoint,
                    std::function<void()> link_lost) {
  auto& st = self->state;
  auto id = ++st.last_awaited_id;
  st.awaited_peers[id] = {node, endpoint, std::move(link_lost)};
  return id;
}

void drop_lost_links(router_self self) {
  auto& st = self->state;
  std::vector<std::function<void()>> lost;
  for (auto i = st.awaited_peers.begin(); i != st.awaited_peers.end();) {
    // CAF equates a new proxy of the same actor with the old one: a link
    // that went and came back between two views shows as a view without
    // the endpoint first, which is where this catches it.
    if (st.cluster->endpoint(i->second.node) == i->second.endpoint) {
      ++i;
      continue;
    }
    lost.push_back(std::move(i->second.link_lost));
    i = st.awaited_peers.erase(i);
  }
  for (auto& run : lost) // may send and await again
    run();
}

write_done answer_client(router_self self, caf::typed_response_promise<uint32_t> rp) {
  return [self, rp](caf::expected<uint32_t> r) mutable {
    if (!r) {
      rp.deliver(r.error());
      return;
    }
    self->state.counters.events_ingested += *r;
    rp.deliver(*r);
  };
}

namespace {

/// Standalone: each shard's part goes to the local shard actor.
void ingest(self_ptr self, event_batch& events, caf::typed_response_promise<uint32_t> rp) {
  write_local(self, split_by_shard(self->state, events), answer_client(self, std::move(rp)));
}

std::string user_key(const std::string& tenant, const std::string& user) {
  return tenant + '\x1f' + user;
}

throttle_list::policy throttle_policy(const tenant_policy& t) {
  return {t.throttle_time_us, t.throttle_claims_per_minute};
}

/// Offers the hold to the data centers in rank order until one holds it.
void place_hold(self_ptr self, hold_request r, std::vector<size_t> ranked,
                size_t next, caf::typed_response_promise<hold_reply> rp,
                hold_reply last) {
  if (next == ranked.size()) {
    rp.deliver(std::move(last));
    return;
  }
  auto index = ranked[next];
  ask_data_center<hold_reply>(
    self, index,
      [self, r, ranked, next, rp, index](hold_reply& reply) mutable {
        if (reply.held) {
          self->state.held_at[user_key(r.tenant, r.user)] = index;
          rp.deliver(std::move(reply));
          return;
        }
        // Below this data center's threshold or out of room: the next may
        // take it (its threshold and capacity differ).
        place_hold(self, std::move(r), std::move(ranked), next + 1, rp, std::move(reply));
      },
      [self, r, ranked, next, rp, last](caf::error&) mutable {
        place_hold(self, std::move(r), std::move(ranked), next + 1, rp, std::move(last));
      },
    hold_atom::value, r);
}

/// `failed`: why a data center could not start the app, if one said so (a
/// clearer answer than "no room" when every data center refused).
void claim(self_ptr self, resource_request r, std::vector<size_t> ranked,
           size_t next, clock::time_point start,
           caf::typed_response_promise<grant> rp, caf::error failed = {}) {
  auto& st = self->state;
  if (next == ranked.size() && failed) {
    rp.deliver(std::move(failed));
    return;
  }
  if (next == ranked.size()) {
    rp.deliver(make_error(actor_errc::no_capacity,
                          "no allowed data center has room for "
                            + std::to_string(r.resources.cpu_millicores)
                            + " millicores and "
                            + std::to_string(r.resources.memory_mb) + " MB"));
    return;
  }
  auto index = ranked[next];
  if (route_data_center(st, index).where == data_center_route::kind::remote)
    ++st.counters.claims_remote_dc;
  ask_data_center<grant>(
    self, index,
      [self, start, rp](grant& g) mutable {
        auto& st = self->state;
        g.decision_latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  clock::now() - start)
                                  .count();
        st.latency.add(g.decision_latency_us);
        switch (g.path) {
          case grant_path::prewarmed: ++st.counters.grants_prewarmed; break;
          case grant_path::shadow: ++st.counters.grants_shadow; break;
          case grant_path::reactive:
            ++st.counters.grants_reactive;
            ++st.counters.cold_starts;
            break;
        }
        rp.deliver(std::move(g));
      },
      [self, r, ranked, next, start, rp, failed](caf::error& err) mutable {
        // A full or unreachable data center, or one whose region is lost:
        // try the next best one. A lost region explains a failure only
        // when no data center said why it could not start the app.
        if (err.category() == caf::atom("prescient")
            && (err.code() == static_cast<uint8_t>(actor_errc::provider_failure)
                || (!failed && err.code() == static_cast<uint8_t>(actor_errc::unreachable))))
          failed = std::move(err);
        claim(self, std::move(r), std::move(ranked), next + 1, start, rp,
              std::move(failed));
      },
    claim_atom::value, r);
}

/// Decides a claim on this node: the user's hold first, then the data
/// centers the tenant may use in rank order.
void decide_claim(self_ptr self, resource_request r, clock::time_point start,
                  caf::typed_response_promise<grant> rp) {
  auto& st = self->state;
  ++st.counters.requests;
  auto t = st.tenants.find(r.tenant);
  if (t == st.tenants.end()) {
    rp.deliver(make_error(actor_errc::unknown_tenant,
                          "tenant '" + r.tenant + "' is not configured"));
    return;
  }
  if (std::string why; !st.throttles.admit_claim(user_key(r.tenant, r.user), r.time_us,
                                                 throttle_policy(t->second), why)) {
    ++st.counters.throttled;
    rp.deliver(make_error(actor_errc::throttled,
                          "user '" + r.user + "' of tenant '" + r.tenant + "' is " + why));
    return;
  }
  auto ranked = rank_data_centers(st.specs, t->second, r.region, r.time_us);
  if (ranked.empty()) {
    rp.deliver(make_error(actor_errc::region_not_allowed,
                          "tenant '" + r.tenant + "' may use no configured data center"));
    return;
  }
  // An existing hold for the user decides first: that is where the
  // warm instance waits.
  if (auto h = st.held_at.find(user_key(r.tenant, r.user)); h != st.held_at.end()) {
    auto at = std::find(ranked.begin(), ranked.end(), h->second);
    if (at != ranked.end())
      std::rotate(ranked.begin(), at, at + 1);
    st.held_at.erase(h);
  }
  claim(self, std::move(r), std::move(ranked), 0, start, rp);
}

/// Cluster: a claim is decided on the primary of the user's shard, the
/// node that places the user's holds and knows where they wait. When that
/// node cannot be asked or does not answer within request_timeout, or its
/// link goes first, this node decides (at worst on the reactive path):
/// the claim is answered either way. A forwarded claim is decided where it
/// arrives, never forwarded again.
void route_claim(self_ptr self, resource_request r, clock::time_point start,
                 caf::typed_response_promise<grant> rp) {
  auto& st = self->state;
  auto view = st.cluster;
  if (!view || st.tenants.count(r.tenant) == 0 || places_holds_for(st, r.tenant, r.user)) {
    decide_claim(self, std::move(r), start, rp);
    return;
  }
  auto* primary = view->placement->primary(st.ring->shard_of(r.tenant, r.user));
  auto ep = primary ? view->endpoint(*primary) : caf::actor{};
  if (!ep) {
    decide_claim(self, std::move(r), start, rp);
    return;
  }
  ++st.counters.claims_forwarded;
  // Decided here instead when the user's node does not answer, or at once
  // when the link it was sent on goes (adopt_view): CAF drops the replies
  // of a link that closes, and waiting out the timeout would leave the
  // client without an answer for seconds.
  auto id = await_peer(self, *primary, ep, [self, r, start, rp]() mutable {
    ++self->state.counters.claims_fallback;
    decide_claim(self, std::move(r), start, rp);
  });
  // Bounded by request_timeout, short enough that the fallback still
  // answers within a client's timeout when a reply is lost on one side of
  // a link. A decision there slower than that (a cold start longer than
  // request_timeout) is made twice; raise cluster.request_timeout above the
  // provider's start-up to avoid it.
  self->request(ep, view->request_timeout, forward_atom::value, r)
    .then(
      [self, id, start, rp](grant& g) mutable {
        if (self->state.awaited_peers.erase(id) == 0)
          return; // decided here already
        g.decision_latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  clock::now() - start)
                                  .count();
        rp.deliver(std::move(g));
      },
      [self, id, rp](caf::error& err) mutable {
        auto& pending = self->state.awaited_peers;
        auto i = pending.find(id);
        if (i == pending.end())
          return;
        auto fallback = std::move(i->second.link_lost);
        pending.erase(i);
        // The primary's own answer (throttled, no room, ...) is the
        // decision; a timeout or a lost link is not.
        if (err.category() == caf::atom("prescient"))
          rp.deliver(std::move(err));
        else
          fallback();
      });
}

router_actor::behavior_type router_impl(self_ptr self, router_options opts) {
  auto& st = self->state;
  st.ring = std::make_unique<shard_ring>(static_cast<uint32_t>(opts.shards.size()),
                                         opts.vnodes);
  for (size_t i = 0; i < opts.data_centers.size(); ++i) {
    st.specs.push_back(opts.data_centers[i].spec);
    st.dc_index.emplace(opts.data_centers[i].spec.name, i);
  }
  for (auto& t : opts.tenants)
    st.tenants.emplace(t.id, t);
  st.opts = std::move(opts);
  st.last_tick = clock::now();
  self->delayed_send(self, st.opts.tick_interval, tick_atom::value);
  return {
    [self](ingest_atom, event_batch& events) -> caf::result<uint32_t> {
      auto rp = self->make_response_promise<uint32_t>();
      if (self->state.cluster)
        cluster_ingest(self, events, rp);
      else
        ingest(self, events, rp);
      return rp;
    },
    [self](claim_atom, resource_request& r) -> caf::result<grant> {
      auto rp = self->make_response_promise<grant>();
      route_claim(self, std::move(r), clock::now(), rp);
      return rp;
    },
    [self](hold_atom, hold_request& r) -> caf::result<hold_reply> {
      auto& st = self->state;
      auto t = st.tenants.find(r.tenant);
      if (t == st.tenants.end())
        return make_error(actor_errc::unknown_tenant,
                          "tenant '" + r.tenant + "' is not configured");
      if (st.throttles.throttled(user_key(r.tenant, r.user), r.time_us)) {
        ++st.counters.throttled;
        hold_reply out;
        out.reason = "user is throttled: flagged as departing from its profile";
        return out;
      }
      if (!places_holds_for(st, r.tenant, r.user)) {
        hold_reply out;
        out.reason = "a replica's prediction: the primary's node places the user's holds";
        return out;
      }
      r.max_reserve_share = t->second.max_reserve_share;
      r.priority = t->second.priority;
      auto ranked = rank_data_centers(st.specs, t->second, r.region, r.time_us);
      hold_reply none;
      none.reason = "no data center the tenant may use";
      auto rp = self->make_response_promise<hold_reply>();
      place_hold(self, std::move(r), std::move(ranked), 0, rp, std::move(none));
      return rp;
    },
    [self](release_atom, const std::string& tenant, const std::string& user,
           const std::string& dc, const std::string& instance) -> caf::result<bool> {
      auto& st = self->state;
      auto i = st.dc_index.find(dc);
      if (i == st.dc_index.end())
        return make_error(actor_errc::unknown_instance,
                          "data center '" + dc + "' is not configured");
      auto rp = self->make_response_promise<bool>();
      ask_data_center<bool>(
        self, i->second,
        [self, rp](bool ok) mutable {
          ++self->state.counters.releases;
          rp.deliver(ok);
        },
        [rp](caf::error& err) mutable { rp.deliver(std::move(err)); }, release_atom::value,
        tenant, user, instance);
      return rp;
    },
    [self](kpis_atom) -> kpis {
      auto& st = self->state;
      auto k = st.counters;
      auto hits = k.grants_prewarmed + k.grants_shadow;
      auto grants = hits + k.grants_reactive;
      k.hit_rate = grants == 0 ? 0.0 : double(hits) / double(grants);
      k.decision_latency_p50_us = st.latency.quantile(0.50);
      k.decision_latency_p99_us = st.latency.quantile(0.99);
      return k;
    },
    [self](status_atom) -> router_stats {
      auto& st = self->state;
      return {st.counters.events_ingested, st.counters.events_rejected,
              st.events_per_s,          st.watermark_us,
              st.copies_in_flight,      st.events_copied,
              data_center_homes(st)};
    },
    [self](record_atom, uint64_t rejected) {
      self->state.counters.events_rejected += rejected;
    },
    [self](anomalies_atom, const anomaly& a) {
      auto& st = self->state;
      auto t = st.tenants.find(a.tenant);
      if (t != st.tenants.end() && t->second.throttle_anomalous && !a.user.empty())
        st.throttles.flag(user_key(a.tenant, a.user), a.time_us, a.kind + ": " + a.reason,
                          throttle_policy(t->second));
    },
    [self](tick_atom) {
      auto& st = self->state;
      auto now = clock::now();
      auto dt = std::chrono::duration<double>(now - st.last_tick).count();
      if (dt > 0)
        st.events_per_s = double(st.counters.events_ingested
                                 - st.events_at_last_tick)
                          / dt;
      st.events_at_last_tick = st.counters.events_ingested;
      st.last_tick = now;
      st.throttles.expire(st.watermark_us);
      for (auto& s : st.opts.shards)
        self->send(s, tick_atom::value, st.watermark_us);
      for (auto& dc : st.opts.data_centers) // holds expire in event time
        self->send(dc.broker, tick_atom::value, st.watermark_us);
      if (st.opts.on_watermark && st.watermark_us > 0)
        st.opts.on_watermark(st.watermark_us);
      self->delayed_send(self, st.opts.tick_interval, tick_atom::value);
    },
    [self](later_atom) {
      auto& due = self->state.deferred;
      std::vector<std::function<void()>> now;
      for (auto i = due.begin(); i != due.end() && i->first <= clock::now();) {
        now.push_back(std::move(i->second));
        i = due.erase(i);
      }
      for (auto& work : now) // may defer more
        work();
    },
    [self](view_atom, cluster_view_ptr& view) {
      adopt_view(self, std::move(view));
      drop_lost_links(self);
    },
    [self](forward_atom, shard_parts& parts) { return forwarded_write(self, parts); },
    [self](replica_atom, shard_parts& parts) { return replica_write(self, parts); },
    [self](copy_atom, uint32_t shard, event_batch& events) {
      return copy_write(self, shard, events);
    },
    [self](forward_atom, resource_request& r) -> caf::result<grant> {
      auto rp = self->make_response_promise<grant>();
      decide_claim(self, std::move(r), clock::now(), rp);
      return rp;
    },
    [self](dc_atom, const std::string& dc, claim_atom a, const resource_request& r) {
      return serve_data_center<grant>(self, dc, a, r);
    },
    [self](dc_atom, const std::string& dc, hold_atom a, const hold_request& r) {
      return serve_data_center<hold_reply>(self, dc, a, r);
    },
    [self](dc_atom, const std::string& dc, release_atom a, const std::string& tenant,
           const std::string& user, const std::string& instance) {
      return serve_data_center<bool>(self, dc, a, tenant, user, instance);
    },
  };
}

} // namespace

router_actor spawn_router(caf::actor_system& sys, router_options opts) {
  return sys.spawn(router_impl, std::move(opts));
}

} // namespace prescient
