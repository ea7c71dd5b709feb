#include "router_cluster.hpp"

#include <cstdio>
#include <algorithm>
#include <functional>
#include <map>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "prescient/actors/errc.hpp"

namespace prescient {

namespace {

using done_fn = write_done;

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

/// How long a write waits for the link to an owner that is in the view but
/// not connected (a node that just joined, or a link being re-established):
/// 8 x 50 ms, well within the sender's request timeout. A dead node leaves
/// the placement once it is declared down.
constexpr int link_waits = 8;
constexpr std::chrono::milliseconds link_wait{50};

/// Writes the parts here (their primary) and on every other owner of
/// their shards: one replica message per owner node, with all of that
/// node's parts. `done` runs once, with the count once all have them or
/// the first error.
void primary_write(router_self self, shard_parts parts, done_fn done, int attempt = 0) {
  auto view = self->state.cluster;
  std::map<std::string, shard_parts> replicas;
  for (auto& p : parts)
    for (auto& o : view->placement->owners_of(p.shard)) {
      if (o == view->self)
        continue;
      if (!view->endpoint(o)) {
        if (attempt < link_waits) {
          run_later(self, link_wait,
                    [self, parts = std::move(parts), done = std::move(done), attempt]() mutable {
                      primary_write(self, std::move(parts), std::move(done), attempt + 1);
                    });
          return;
        }
        done(make_error(actor_errc::unreachable, "node '" + o + "', a replica of "
                                                   + shard_name(p.shard) + ", is not connected"));
        return;
      }
      replicas[o].push_back(p);
    }
  auto join = write_join::make(1 + replicas.size(), std::move(done));
  write_local(self, std::move(parts), join->part());
  for (auto& [id, rp] : replicas) {
    auto part_done = join->part(false); // the primary's write counts the events
    self->request(view->endpoint(id), view->request_timeout, replica_atom::value, std::move(rp))
      .then([part_done](uint32_t) { part_done(uint32_t{0}); },
            [part_done, id = id, view](caf::error& err) {
              part_done(peer_error(id, *view, err));
            });
  }
}

void route(router_self self, shard_parts parts, bool retried, done_fn done);

/// Sends `node` the parts it is the primary of; when that fails and the
/// placement moved some of them meanwhile (the node was found dead), routes
/// them once more by the new placement.
void forward(router_self self, const std::string& node, shard_parts parts, bool retried,
             done_fn done, int attempt = 0) {
  auto view = self->state.cluster;
  if (!view->endpoint(node) && attempt < link_waits) {
    run_later(self, link_wait,
              [self, node, parts = std::move(parts), retried, done = std::move(done),
               attempt]() mutable {
                forward(self, node, std::move(parts), retried, std::move(done), attempt + 1);
              });
    return;
  }
  auto kept = std::make_shared<const shard_parts>(parts);
  auto retry_or_fail = [self, kept, retried, done, version = view->version,
                        was = node](caf::error err) {
    auto now = self->state.cluster;
    auto moved = std::any_of(kept->begin(), kept->end(), [&](const shard_part& p) {
      auto* primary = now->placement->primary(p.shard);
      return primary && *primary != was;
    });
    if (!retried && now->version != version && moved) {
      route(self, *kept, true, done);
      return;
    }
    done(std::move(err));
  };
  auto ep = view->endpoint(node);
  if (!ep) {
    retry_or_fail(make_error(actor_errc::unreachable,
                             "node '" + node + "', the primary of "
                               + shard_name(parts.front().shard) + ", is not connected"));
    return;
  }
  self->request(ep, view->request_timeout, forward_atom::value, std::move(parts))
    .then([done](uint32_t n) { done(n); },
          [retry_or_fail, node, view](caf::error& err) {
            retry_or_fail(peer_error(node, *view, err));
          });
}

/// Groups the parts by their shard's primary: this node's are written
/// here, every other node gets one message with its parts.
void route(router_self self, shard_parts parts, bool retried, done_fn done) {
  auto view = self->state.cluster;
  std::map<std::string, shard_parts> by_node;
  for (auto& p : parts) {
    auto* primary = view->placement->primary(p.shard);
    if (!primary) {
      done(make_error(actor_errc::unreachable, shard_name(p.shard) + " has no owner node"));
      return;
    }
    by_node[*primary].push_back(std::move(p));
  }
  auto join = write_join::make(by_node.size(), std::move(done));
  for (auto& [node, np] : by_node) {
    if (node == view->self)
      primary_write(self, std::move(np), join->part());
    else
      forward(self, node, std::move(np), retried, join->part());
  }
}

void advance_watermark(router_state& st, const shard_parts& parts) {
  for (auto& p : parts)
    for (auto& e : p.events)
      st.watermark_us = std::max(st.watermark_us, e.time_us);
}

/// A peer's parts must hold only their shard's own users: anything else
/// would be stored where no read finds it.
caf::error check_parts(const router_state& st, const shard_parts& parts) {
  for (auto& p : parts) {
    if (p.shard >= st.opts.shards.size())
      return make_error(actor_errc::bad_input,
                        shard_name(p.shard) + " does not exist: this node has "
                          + std::to_string(st.opts.shards.size()) + " shards");
    for (auto& e : p.events)
      if (st.ring->shard_of(e.tenant, e.user) != p.shard)
        return make_error(actor_errc::bad_input, "user '" + e.user + "' of tenant '"
                                                   + e.tenant + "' does not belong to "
                                                   + shard_name(p.shard));
  }
  return caf::none;
}

/// Answers a peer's write when it is done.
done_fn deliver_to(caf::typed_response_promise<uint32_t> rp) {
  return [rp](caf::expected<uint32_t> r) mutable {
    if (r)
      rp.deliver(*r);
    else
      rp.deliver(r.error());
  };
}

/// Events per chunk of a shard's copy: one copy message each.
constexpr size_t copy_chunk = 2'000;
/// Users read from the shard at a time: a copy holds their events only,
/// never the whole shard's.
constexpr size_t copy_users_per_read = 64;
/// Listing the shard's users scans the node's user index.
constexpr std::chrono::seconds copy_read_timeout{120};
/// A copy waits for a new owner that is not connected yet (the view can
/// name a joining node before this node's link to it is up) and retries a
/// failed chunk, with backoff, for about a minute before it gives up: the
/// shard's only other copies may be on nodes about to go.
constexpr int copy_attempts = 36;

std::chrono::milliseconds copy_backoff(int attempt) {
  return std::min(std::chrono::milliseconds(100) * (1 << std::min(attempt, 5)),
                  std::chrono::milliseconds(2'000));
}

/// One shard's copy to a new owner, in progress.
struct copy_job {
  uint32_t shard = 0;
  std::string to;
  user_refs users;       ///< the shard's users, listed when the copy began
  size_t next_user = 0;  ///< the first user not read yet
  event_batch events;    ///< the users read last
  size_t offset = 0;     ///< the first of `events` not sent yet
  uint64_t sent = 0;
};
using copy_ptr = std::shared_ptr<copy_job>;

void end_copy(router_self self, const copy_job& job, const std::string& how) {
  --self->state.copies_in_flight;
  fprintf(stderr, "prescientd: copy of %s to node '%s' %s\n", shard_name(job.shard).c_str(),
          job.to.c_str(), how.c_str());
}

void send_copy(router_self self, copy_ptr job, int attempt);

/// Sends the current chunk again after a backoff, or gives up.
void retry_copy(router_self self, copy_ptr job, int attempt, const std::string& why) {
  if (attempt + 1 >= copy_attempts) {
    end_copy(self, *job, "abandoned: " + why);
    return;
  }
  run_later(self, copy_backoff(attempt), [self, job, attempt] {
    send_copy(self, job, attempt + 1);
  });
}

/// Reads the next users' events from the local shard, then sends them.
void read_copy(router_self self, copy_ptr job) {
  auto& st = self->state;
  if (job->next_user >= job->users.size()) {
    end_copy(self, *job, "done: " + std::to_string(job->sent) + " events");
    return;
  }
  auto end = std::min(job->users.size(), job->next_user + copy_users_per_read);
  user_refs part(job->users.begin() + static_cast<std::ptrdiff_t>(job->next_user),
                 job->users.begin() + static_cast<std::ptrdiff_t>(end));
  job->next_user = end;
  self->request(st.opts.shards[job->shard], copy_read_timeout, copy_atom::value,
                std::move(part))
    .then(
      [self, job](event_batch& events) {
        job->events = std::move(events);
        job->offset = 0;
        send_copy(self, job, 0);
      },
      [self, job](caf::error& err) {
        end_copy(self, *job, "failed: cannot read the shard: " + describe(err));
      });
}

void send_copy(router_self self, copy_ptr job, int attempt) {
  auto& st = self->state;
  if (job->offset >= job->events.size()) {
    read_copy(self, job);
    return;
  }
  auto view = st.cluster;
  if (!view->placement->owns(job->to, job->shard)) {
    end_copy(self, *job, "abandoned: no longer an owner");
    return;
  }
  auto ep = view->endpoint(job->to);
  if (!ep) {
    retry_copy(self, job, attempt, "not connected");
    return;
  }
  auto end = std::min(job->events.size(), job->offset + copy_chunk);
  event_batch chunk(job->events.begin() + static_cast<std::ptrdiff_t>(job->offset),
                    job->events.begin() + static_cast<std::ptrdiff_t>(end));
  self->request(ep, view->request_timeout, copy_atom::value, job->shard, std::move(chunk))
    .then(
      [self, job, end](uint32_t) {
        self->state.events_copied += end - job->offset;
        job->sent += end - job->offset;
        job->offset = end;
        send_copy(self, job, 0);
      },
      [self, job, attempt, view](caf::error& err) {
        retry_copy(self, job, attempt, describe(peer_error(job->to, *view, err)));
      });
}

void copy_shard(router_self self, uint32_t shard, std::string to) {
  auto& st = self->state;
  ++st.copies_in_flight;
  auto job = std::make_shared<copy_job>();
  job->shard = shard;
  job->to = std::move(to);
  self->request(st.opts.shards[shard], copy_read_timeout, copy_atom::value,
                static_cast<uint32_t>(st.opts.shards.size()), st.opts.vnodes)
    .then(
      [self, job](user_refs& users) {
        job->users = std::move(users);
        read_copy(self, job);
      },
      [self, job](caf::error& err) {
        end_copy(self, *job, "failed: cannot list the shard's users: " + describe(err));
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
  route(self, split_by_shard(st, events), false, answer_client(self, std::move(rp)));
}

caf::result<uint32_t> forwarded_write(router_self self, shard_parts& parts) {
  auto& st = self->state;
  if (!st.cluster)
    return make_error(actor_errc::bad_input, "this node runs standalone");
  if (auto err = check_parts(st, parts))
    return err;
  if (!st.cluster->quorum)
    return make_error(actor_errc::no_quorum, st.cluster->no_quorum());
  for (auto& p : parts) {
    auto* primary = st.cluster->placement->primary(p.shard);
    if (!primary || *primary != st.cluster->self)
      return make_error(actor_errc::unreachable, "node '" + st.cluster->self
                                                   + "' is no longer the primary of "
                                                   + shard_name(p.shard));
  }
  advance_watermark(st, parts);
  auto rp = self->make_response_promise<uint32_t>();
  primary_write(self, std::move(parts), deliver_to(rp));
  return rp;
}

caf::result<uint32_t> replica_write(router_self self, shard_parts& parts) {
  auto& st = self->state;
  if (auto err = check_parts(st, parts))
    return err;
  advance_watermark(st, parts);
  auto rp = self->make_response_promise<uint32_t>();
  write_local(self, std::move(parts), deliver_to(rp));
  return rp;
}

caf::result<uint32_t> copy_write(router_self self, uint32_t shard, event_batch& events) {
  auto& st = self->state;
  shard_parts parts{{shard, std::move(events)}};
  if (auto err = check_parts(st, parts))
    return err;
  advance_watermark(st, parts);
  auto rp = self->make_response_promise<uint32_t>();
  write_local(self, std::move(parts), deliver_to(rp), true);
  return rp;
}

bool places_holds_for(const router_state& st, const std::string& tenant,
                      const std::string& user) {
  if (!st.cluster)
    return true;
  auto* p = st.cluster->placement->primary(st.ring->shard_of(tenant, user));
  return p && *p == st.cluster->self;
}

} // namespace prescient
