// State of the router actor (private).
#pragma once

#include <chrono>
#include <functional>
#include <set>

#include <caf/expected.hpp>
#include <caf/typed_response_promise.hpp>
#include <unordered_map>

#include "latency_histogram.hpp"
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
  uint32_t copies_in_flight = 0; ///< shard copies this node is sending (or waiting to)
  /// Copies (shard, new owner) held back because that owner had no
  /// connection yet; each is in copies_in_flight and starts again from a
  /// new snapshot once a view has its endpoint.
  std::set<std::pair<uint32_t, std::string>> copies_waiting;
  uint64_t events_copied = 0;    ///< sent in shard copies since the start
  kpis counters;
  latency_histogram latency;
  int64_t watermark_us = 0;
  uint64_t events_at_last_tick = 0;
  std::chrono::steady_clock::time_point last_tick;
  double events_per_s = 0;
};

using router_self = router_actor::stateful_pointer<router_state>;

using write_done = std::function<void(caf::expected<uint32_t>)>;
/// Writes one shard's part of a batch; calls `done` exactly once.
using shard_writer = std::function<void(uint32_t shard, event_batch part, write_done done)>;

/// Splits a client's batch by shard and writes each part with `write`;
/// replies with the count once every part is written, or the first error.
/// Advances the watermark and counts the events ingested.
void ingest_by_shard(router_self self, event_batch& events,
                     caf::typed_response_promise<uint32_t> rp, shard_writer write);

} // namespace prescient
