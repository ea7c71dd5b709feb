#include "router_cluster.hpp"

#include <cstdio>
#include <functional>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "prescient/actors/errc.hpp"

namespace prescient {

namespace {

using done_fn = write_done;
using batch_ptr = std::shared_ptr<const event_batch>;

std::string shard_name(uint32_t shard) {
  return "shard " + std::to_string(shard);
}

} // namespace

caf::error peer_error(const std::string& node, const cluster_view& v, const caf::error& err) {
  if (err.category() == caf::atom("prescient"))
    return err;
  if (err.category() == caf::atom("system")
      && err.code() == static_cast<uint8_t>(caf::sec::request_timeout))
    return make_error(actor_errc::unreachable,
                      "node '" + node + "' did not answer within "
                        + std::to_string(v.request_timeout.count()) + " ms");
  return make_error(actor_errc::unreachable,
                    "node '" + node + "' failed: " + describe(err));
}

namespace {

/// Writes one shard's events here (the primary) and on every other owner;
/// `done` runs once, with the count once all have them or the first error.
void primary_write(router_self self, uint32_t shard, batch_ptr events, done_fn done) {
  auto& st = self->state;
  auto view = st.cluster;
  std::vector<std::pair<std::string, caf::actor>> replicas;
  for (auto& o : view->placement->owners_of(shard)) {
    if (o == view->self)
      continue;
    auto ep = view->endpoint(o);
    if (!ep) {
      done(make_error(actor_errc::unreachable, "node '" + o + "', a replica of "
                                                 + shard_name(shard) + ", is not connected"));
      return;
    }
    replicas.emplace_back(o, ep);
  }
  struct fan_in {
    size_t pending = 0;
    uint32_t applied = 0;
    bool failed = false;
    done_fn done;
  };
  auto j = std::make_shared<fan_in>();
  j->pending = 1 + replicas.size();
  j->done = std::move(done);
  auto one_done = [j] {
    if (--j->pending == 0 && !j->failed)
      j->done(j->applied);
  };
  auto fail = [j](caf::error err) {
    if (!j->failed) {
      j->failed = true;
      j->done(std::move(err));
    }
  };
  self->request(st.opts.shards[shard], st.opts.timeout, ingest_atom::value, *events)
    .then(
      [j, one_done](uint32_t n) {
        j->applied = n;
        one_done();
      },
      [fail](caf::error& err) { fail(std::move(err)); });
  for (auto& [id, ep] : replicas)
    self->request(ep, view->request_timeout, replica_atom::value, shard, *events)
      .then([one_done](uint32_t) { one_done(); },
            [fail, id = id, view](caf::error& err) { fail(peer_error(id, *view, err)); });
}

/// Sends one shard's events to its primary; when that fails and the
/// placement changed meanwhile (the primary was found dead), once more to
/// the new primary.
void route(router_self self, uint32_t shard, batch_ptr events, bool retried, done_fn done) {
  auto view = self->state.cluster;
  auto* primary = view->placement->primary(shard);
  if (!primary) {
    done(make_error(actor_errc::unreachable, shard_name(shard) + " has no owner node"));
    return;
  }
  if (*primary == view->self) {
    primary_write(self, shard, std::move(events), std::move(done));
    return;
  }
  auto retry_or_fail = [self, shard, events, retried, done, version = view->version,
                        was = *primary](caf::error err) {
    auto now = self->state.cluster;
    auto* p = now->placement->primary(shard);
    if (!retried && now->version != version && p && *p != was) {
      route(self, shard, events, true, done);
      return;
    }
    done(std::move(err));
  };
  auto ep = view->endpoint(*primary);
  if (!ep) {
    retry_or_fail(make_error(actor_errc::unreachable,
                             "node '" + *primary + "', the primary of " + shard_name(shard)
                               + ", is not connected"));
    return;
  }
  self->request(ep, view->request_timeout, forward_atom::value, shard, *events)
    .then([done](uint32_t n) { done(n); },
          [retry_or_fail, was = *primary, view](caf::error& err) {
            retry_or_fail(peer_error(was, *view, err));
          });
}

void advance_watermark(router_state& st, const event_batch& events) {
  for (auto& e : events)
    st.watermark_us = std::max(st.watermark_us, e.time_us);
}

/// A peer's batch must hold only the shard's own users: anything else would
/// be stored where no read finds it.
caf::error check_batch(const router_state& st, uint32_t shard, const event_batch& events) {
  if (shard >= st.opts.shards.size())
    return make_error(actor_errc::bad_input,
                      shard_name(shard) + " does not exist: this node has "
                        + std::to_string(st.opts.shards.size()) + " shards");
  for (auto& e : events)
    if (st.ring->shard_of(e.tenant, e.user) != shard)
      return make_error(actor_errc::bad_input, "user '" + e.user + "' of tenant '" + e.tenant
                                                 + "' does not belong to " + shard_name(shard));
  return caf::none;
}

/// Events per chunk of a shard's copy: one replica write each.
constexpr size_t copy_chunk = 2'000;
/// A snapshot reads the shard's whole history from storage.
constexpr std::chrono::seconds snapshot_timeout{120};
constexpr int copy_attempts = 3;

void send_copy(router_self self, uint32_t shard, std::string to, batch_ptr all,
               size_t offset, int attempt) {
  auto& st = self->state;
  if (offset >= all->size()) {
    --st.copies_in_flight;
    fprintf(stderr, "prescientd: copied %s to node '%s': %zu events\n",
            shard_name(shard).c_str(), to.c_str(), all->size());
    return;
  }
  auto view = st.cluster;
  auto ep = view->endpoint(to);
  if (!ep || !view->placement->owns(to, shard)) {
    --st.copies_in_flight;
    fprintf(stderr, "prescientd: copy of %s to node '%s' abandoned: %s\n",
            shard_name(shard).c_str(), to.c_str(),
            ep ? "no longer an owner" : "not connected");
    return;
  }
  auto end = std::min(all->size(), offset + copy_chunk);
  event_batch chunk(all->begin() + static_cast<std::ptrdiff_t>(offset),
                    all->begin() + static_cast<std::ptrdiff_t>(end));
  self->request(ep, view->request_timeout, copy_atom::value, shard, std::move(chunk))
    .then(
      [self, shard, to, all, offset, end](uint32_t) {
        self->state.events_copied += end - offset;
        send_copy(self, shard, to, all, end, 0);
      },
          [self, shard, to, all, offset, attempt, view](caf::error& err) {
            if (attempt + 1 < copy_attempts) {
              send_copy(self, shard, to, all, offset, attempt + 1);
              return;
            }
            --self->state.copies_in_flight;
            fprintf(stderr, "prescientd: copy of %s to node '%s' failed: %s\n",
                    shard_name(shard).c_str(), to.c_str(),
                    describe(peer_error(to, *view, err)).c_str());
          });
}

void copy_shard(router_self self, uint32_t shard, std::string to) {
  auto& st = self->state;
  ++st.copies_in_flight;
  self->request(st.opts.shards[shard], snapshot_timeout, copy_atom::value,
                static_cast<uint32_t>(st.opts.shards.size()), st.opts.vnodes)
    .then(
      [self, shard, to](event_batch& events) {
        send_copy(self, shard, to, std::make_shared<const event_batch>(std::move(events)), 0,
                  0);
      },
      [self, shard, to](caf::error& err) {
        --self->state.copies_in_flight;
        fprintf(stderr, "prescientd: cannot snapshot %s for node '%s': %s\n",
                shard_name(shard).c_str(), to.c_str(), describe(err).c_str());
      });
}

} // namespace

void adopt_view(router_self self, cluster_view_ptr view) {
  auto& st = self->state;
  auto before = std::move(st.cluster);
  st.cluster = std::move(view);
  auto& now = *st.cluster;
  if (!before || before->placement == now.placement)
    return;
  for (auto& t : cluster::transfers(*before->placement, *now.placement, now.live)) {
    if (before->placement->owners_of(t.shard).empty())
      continue; // the cluster's first placement: nothing to copy yet
    if (t.from.empty())
      fprintf(stderr, "prescientd: every copy of %s was lost; node '%s' starts it empty\n",
              shard_name(t.shard).c_str(), t.to.c_str());
    else if (t.from == now.self)
      copy_shard(self, t.shard, t.to);
  }
}

void cluster_ingest(router_self self, event_batch& events,
                    caf::typed_response_promise<uint32_t> rp) {
  auto& st = self->state;
  if (!st.cluster->quorum) {
    rp.deliver(make_error(actor_errc::no_quorum, st.cluster->no_quorum()));
    return;
  }
  ingest_by_shard(self, events, std::move(rp),
                  [self](uint32_t shard, event_batch part, write_done done) {
                    route(self, shard, std::make_shared<const event_batch>(std::move(part)),
                          false, std::move(done));
                  });
}

caf::result<uint32_t> forwarded_write(router_self self, uint32_t shard, event_batch& events) {
  auto& st = self->state;
  if (!st.cluster)
    return make_error(actor_errc::bad_input, "this node runs standalone");
  if (auto err = check_batch(st, shard, events))
    return err;
  if (!st.cluster->quorum)
    return make_error(actor_errc::no_quorum, st.cluster->no_quorum());
  auto* p = st.cluster->placement->primary(shard);
  if (!p || *p != st.cluster->self)
    return make_error(actor_errc::unreachable, "node '" + st.cluster->self
                                                 + "' is no longer the primary of "
                                                 + shard_name(shard));
  advance_watermark(st, events);
  auto rp = self->make_response_promise<uint32_t>();
  primary_write(self, shard, std::make_shared<const event_batch>(std::move(events)),
                [rp](caf::expected<uint32_t> r) mutable {
                  if (r)
                    rp.deliver(*r);
                  else
                    rp.deliver(r.error());
                });
  return rp;
}

namespace {

/// A peer's write for the local shard: `Atom` says how the shard applies it.
template <class Atom>
caf::result<uint32_t> local_write(router_self self, uint32_t shard, event_batch& events) {
  auto& st = self->state;
  if (auto err = check_batch(st, shard, events))
    return err;
  advance_watermark(st, events);
  auto rp = self->make_response_promise<uint32_t>();
  self->request(st.opts.shards[shard], st.opts.timeout, Atom::value, std::move(events))
    .then([rp](uint32_t n) mutable { rp.deliver(n); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace

caf::result<uint32_t> replica_write(router_self self, uint32_t shard, event_batch& events) {
  return local_write<ingest_atom>(self, shard, events);
}

caf::result<uint32_t> copy_write(router_self self, uint32_t shard, event_batch& events) {
  return local_write<copy_atom>(self, shard, events);
}

bool places_holds_for(const router_state& st, const std::string& tenant,
                      const std::string& user) {
  if (!st.cluster)
    return true;
  auto* p = st.cluster->placement->primary(st.ring->shard_of(tenant, user));
  return p && *p == st.cluster->self;
}

} // namespace prescient
