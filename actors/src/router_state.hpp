// State of the router actor (private).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include <caf/expected.hpp>
#include <caf/typed_response_promise.hpp>
#include <unordered_map>

#include "latency_histogram.hpp"
#include "write_join.hpp"
#include "throttle_list.hpp"
#include "prescient/actors/ring.hpp"
#include "prescient/actors/router_actor.hpp"

namespace prescient {

struct router_state {
  static inline const char* name = "router";

  router_options opts;
  std::unique_ptr<shard_ring> ring;
  std::vector<data_center_spec> specs; // same order as opts.data_centers
  std::unordered_map<std::string, tenant_policy> tenants;
  std::unordered_map<std::string, size_t> dc_index;

  /// Where each user's latest hold was placed (tenant \x1f user -> data
  /// center index): the user's claim goes there first.
  std::unordered_map<std::string, size_t> held_at;
  /// Users flagged as anomalous, of tenants that throttle them.
  throttle_list throttles;
  /// Cluster mode: the latest view (null on a standalone node).
  cluster_view_ptr cluster;
  uint32_t copies_in_flight = 0; ///< shard copies this node is sending
  uint64_t events_copied = 0;    ///< sent in shard copies since the start
  kpis counters;
  latency_histogram latency;
  int64_t watermark_us = 0;
  uint64_t events_at_last_tick = 0;
  std::chrono::steady_clock::time_point last_tick;
  double events_per_s = 0;
  /// Requests to peers not answered yet (claims forwarded to the user's
  /// node, requests to a data center's home node), by id: `link_lost` runs
  /// instead of the reply if the peer's link goes first.
  struct awaited_peer {
    std::string node;
    caf::actor endpoint;
    std::function<void()> link_lost;
  };
  std::map<uint64_t, awaited_peer> awaited_peers;
  uint64_t last_awaited_id = 0;
  /// Work deferred by run_later, by due time.
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> deferred;
};

using router_self = router_actor::stateful_pointer<router_state>;

/// Splits a client's batch by shard (the non-empty parts, by shard id) and
/// advances the watermark.
shard_parts split_by_shard(router_state& st, event_batch& events);

/// Writes each part to this node's shard actor, as new events or, with
/// `copy`, as part of a shard's copy (applied where not held yet); `done`
/// gets the count once all are durable, or the first error.
void write_local(router_self self, shard_parts parts, write_done done, bool copy = false);

/// Runs `work` in the router after `delay` (a retry's backoff), unless
/// the router has stopped by then.
void run_later(router_self self, std::chrono::milliseconds delay, std::function<void()> work);

/// Registers a request to `node` (sent on `endpoint`) as awaited; returns
/// its id. The reply's handler erases it first and ignores the reply when
/// it is gone: `link_lost` ran (the link went before the reply came).
uint64_t await_peer(router_self self, const std::string& node, const caf::actor& endpoint,
                    std::function<void()> link_lost);

/// After a new view: runs `link_lost` of the awaited requests whose peer's
/// link is gone or was replaced.
void drop_lost_links(router_self self);

/// Answers a client's batch: the count (added to the KPIs) or the error.
write_done answer_client(router_self self, caf::typed_response_promise<uint32_t> rp);

} // namespace prescient
