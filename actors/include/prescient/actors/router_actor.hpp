// The router: the node's front door for the gateway. It splits event
// batches by shard along the hash ring, routes requests to the best data
// center the tenant may use, and keeps the node's KPIs. It also paces the
// shards' clock: each tick carries the node's event-time watermark.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "prescient/actors/atoms.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/cluster_view.hpp"
#include "prescient/actors/messages.hpp"
#include "prescient/actors/shard_actor.hpp"

namespace prescient {

struct tenant_policy {
  std::string id;
  std::vector<std::string> allowed_regions; ///< empty = every region
  double max_reserve_share = 0.5;
  int priority = 0;
  /// Throttle users flagged as departing from their profile: no holds, and
  /// at most `throttle_claims_per_minute` claims a minute, for
  /// `throttle_time_us` of event time after the latest flag.
  bool throttle_anomalous = false;
  int64_t throttle_time_us = 15LL * 60 * 1'000'000; // Default: 15 min
  uint32_t throttle_claims_per_minute = 10;         // Default: 10
};

struct router_stats {
  uint64_t events_ingested = 0;
  uint64_t events_rejected = 0;
  double events_per_s = 0; ///< over the last tick interval
  int64_t watermark_us = 0;
  uint32_t copies_in_flight = 0; ///< cluster: shard copies being sent to new owners
  uint64_t events_copied = 0;    ///< cluster: events sent in shard copies
  /// Cluster: where each data center is served, by name (absent: by this
  /// node's own broker, as standalone).
  std::map<std::string, cluster::data_center_home> data_center_homes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, router_stats& x) {
  return f(caf::meta::type_name("router_stats"), x.events_ingested,
           x.events_rejected, x.events_per_s, x.watermark_us, x.copies_in_flight,
           x.events_copied, x.data_center_homes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kpis& x) {
  return f(caf::meta::type_name("kpis"), x.events_ingested, x.events_rejected,
           x.requests, x.grants_prewarmed, x.grants_shadow, x.grants_reactive,
           x.hit_rate, x.cold_starts, x.releases, x.decision_latency_p50_us,
           x.decision_latency_p99_us, x.holds_placed, x.holds_claimed,
           x.holds_expired, x.prealloc_success_rate, x.idle_warm_core_s,
           x.idle_warm_gb_s, x.utilization, x.predictions_scored,
           x.prediction_error, x.prediction_logloss, x.prediction_ece,
           x.timing_coverage80, x.demand_forecast_mae,
           x.demand_forecast_coverage95, x.anomalies_flagged, x.throttled,
           x.reserve_hits, x.reserve_misses, x.reserve_idle_core_s, x.idle_warm_cost,
           x.claims_forwarded, x.claims_fallback, x.claims_remote_dc);
}

using router_actor = caf::typed_actor<
  /// Events of any users; replies with the count once all are durable.
  caf::replies_to<ingest_atom, event_batch>::with<uint32_t>,
  caf::replies_to<claim_atom, resource_request>::with<grant>,
  /// A profile's confident prediction: hold warm capacity for it in the
  /// best data center the tenant may use that accepts it.
  caf::replies_to<hold_atom, hold_request>::with<hold_reply>,
  /// (tenant, user, data center, instance)
  caf::replies_to<release_atom, std::string, std::string, std::string,
                  std::string>::with<bool>,
  caf::replies_to<kpis_atom>::with<kpis>,
  caf::replies_to<status_atom>::with<router_stats>,
  /// Counts events the gateway refused before they reached the router.
  caf::reacts_to<record_atom, uint64_t>,
  /// A user a shard flagged: throttled where the tenant's policy says so.
  caf::reacts_to<anomalies_atom, anomaly>,
  caf::reacts_to<tick_atom>,
  /// Runs the work it deferred whose time has come (run_later).
  caf::reacts_to<later_atom>,
  // -- cluster mode (cluster_actor.hpp) ---------------------------------------
  /// A new view of the cluster: from now on events are routed by it. A
  /// router that never receives one runs standalone.
  caf::reacts_to<view_atom, cluster_view_ptr>,
  /// Shards' events from a peer that routed them here as their primary:
  /// written here and to the other owners before the reply (the count).
  caf::replies_to<forward_atom, shard_parts>::with<uint32_t>,
  /// Shards' events their primary replicates here.
  caf::replies_to<replica_atom, shard_parts>::with<uint32_t>,
  /// Part of a shard's copy for this node, a new owner of the shard.
  caf::replies_to<copy_atom, uint32_t, event_batch>::with<uint32_t>,
  /// A claim a peer forwarded here, the primary of the user's shard (where
  /// the user's holds were placed): decided here, never forwarded again.
  caf::replies_to<forward_atom, resource_request>::with<grant>,
  /// A peer's claim, hold or release for a data center homed on this node:
  /// passed to this node's broker of that data center.
  caf::replies_to<dc_atom, std::string, claim_atom, resource_request>::with<grant>,
  caf::replies_to<dc_atom, std::string, hold_atom, hold_request>::with<hold_reply>,
  caf::replies_to<dc_atom, std::string, release_atom, std::string, std::string,
                  std::string>::with<bool>>;

struct router_options {
  std::vector<shard_actor> shards; ///< index = shard id on the ring
  struct data_center {
    data_center_spec spec;
    broker_actor broker;
  };
  std::vector<data_center> data_centers;
  std::vector<tenant_policy> tenants;
  uint32_t vnodes = 128;
  /// Bound on every request the router makes to a shard or broker.
  std::chrono::milliseconds timeout{5'000}; // Default: 5 s
  std::chrono::milliseconds tick_interval{1'000}; // Default: 1 s
  /// Called on every tick with the watermark (e.g. for storage retention).
  std::function<void(int64_t)> on_watermark;
};

router_actor spawn_router(caf::actor_system& sys, router_options opts);

/// The data centers a tenant may use for a request from `region`, best
/// first: nearest by configured latency, then cheapest warm capacity at
/// event time `now_us` (spot when its predicted price stays under the
/// ceiling for a hold window, else on-demand), then by name.
std::vector<size_t> rank_data_centers(const std::vector<data_center_spec>& dcs,
                                      const tenant_policy& tenant,
                                      const std::string& region, int64_t now_us = 0);

} // namespace prescient
