// Message payloads of the actors module and their inspect() overloads, so
// every payload can cross nodes through CAF's middleman unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include "prescient/wire/admin.hpp"
#include "prescient/wire/event.hpp"

namespace prescient {

/// Events for one shard, in arrival order.
using event_batch = std::vector<usage_event>;

/// A user, by tenant and id: a shard's copy is read a few users at a time.
struct user_ref {
  std::string tenant;
  std::string user;
};
using user_refs = std::vector<user_ref>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_ref& x) {
  return f(caf::meta::type_name("user_ref"), x.tenant, x.user);
}

/// What a shard reports to the admin actor.
struct shard_stats {
  uint32_t shard = 0;
  uint64_t resident_profiles = 0;
  uint64_t events_applied = 0;
  uint64_t log_bytes_since_checkpoint = 0;
  int64_t watermark_us = 0;
  uint64_t resident_models = 0;
  uint64_t model_bytes = 0;  ///< resident models, at the last checkpoint
  uint64_t models_reset = 0; ///< stored models unreadable or from another dictionary
  uint64_t inference_requests = 0; ///< sent to the learned model's service
  uint64_t inference_replies = 0;  ///< answered (in time for the next use or not)
  uint64_t learned_uses = 0;       ///< uses predicted with a fresh learned reply
  uint32_t inference_in_flight = 0;
  uint64_t anomalies_flagged = 0; ///< since the shard started
};

/// A profile predicts that its user will soon use an app: hold warm
/// capacity for the user until the use claims it or the hold expires.
struct hold_request {
  std::string tenant;
  std::string user;
  std::string app;
  std::string region;         ///< the user's region ("" = any)
  resource_vector resources;  ///< what the app's runs use (p90)
  double confidence = 0;      ///< calibrated probability of the use
  int64_t time_us = 0;        ///< event time of the prediction
  int64_t until_us = 0;       ///< end of the predicted window (0 = hold time)
  double max_reserve_share = 1; ///< of the reserve the tenant may hold (router fills it)
  /// The tenant's priority (router fills it): when the reserve is full, a
  /// hold displaces reserve instances, then holds of lower-priority tenants.
  int32_t priority = 0;
};

/// What a broker did with a hold request.
struct hold_reply {
  bool held = false;
  std::string data_center;
  std::string instance;
  int64_t expires_us = 0;
  double threshold = 0;  ///< the confidence the data center required
  std::string reason;    ///< why not, when not held
};

/// What a broker reports about its data center.
struct broker_stats {
  data_center_status status;
  uint64_t grants_reactive = 0;
  uint64_t grants_prewarmed = 0;
  uint64_t grants_shadow = 0;
  uint64_t refusals = 0; ///< claims refused for lack of capacity
  uint64_t releases = 0;
  uint32_t forecast_refits_pending = 0; ///< demand forecasters being refitted
  uint64_t holds_placed = 0;
  uint64_t holds_claimed = 0;   ///< claims served from a hold (hits)
  uint64_t holds_expired = 0;   ///< released unclaimed (wrong guesses)
  uint64_t holds_refused = 0;   ///< below the threshold, over a share, no room
  uint64_t holds_live = 0;
  /// Held warm and waiting, from placement to the claim or to expiry:
  /// core-seconds and MB-seconds.
  double idle_warm_cpu_s = 0;
  double idle_warm_mb_s = 0;
  double prewarm_threshold = 0; ///< confidence needed now
  uint64_t anomalies_flagged = 0; ///< demand steps outside the forecast
  /// The demand forecast's one-step error on the whole data center's
  /// requests per step, smoothed (forecast::status); 0 / 1 before a fit.
  bool demand_forecast_fitted = false;
  double demand_forecast_mae = 0;
  double demand_forecast_coverage95 = 1;
  uint64_t demand_steps = 0; ///< closed steps observed
  // The warm reserve (tenant-less warm instances per app template).
  uint64_t reserve_hits = 0;      ///< claims served from the reserve
  uint64_t reserve_misses = 0;    ///< claims with no hold and no reserve instance
  uint64_t reserve_live = 0;      ///< reserve instances warm now
  double reserve_idle_cpu_s = 0;  ///< reserve instances waiting: core-seconds
  // Spot: holds and reserve instances placed on spot or on-demand capacity,
  // and what the idle warm capacity cost at the price it was placed at.
  uint64_t warm_spot = 0;
  uint64_t warm_on_demand = 0;
  double idle_warm_cost = 0;      ///< core-hours idle x price per core-hour
  uint64_t holds_displaced = 0;   ///< released early for a higher-priority hold
  // The provider's instances (see broker_actor.hpp).
  uint64_t claims_waited = 0;      ///< hits on a hold still warming up: waited for it
  uint64_t claims_waiting = 0;     ///< claims waiting for their instance now
  uint64_t instances_failed = 0;   ///< starts the provider reported failed
  uint64_t restore_released = 0;   ///< at restore: provider instances the ledger lacked
  uint64_t restore_erased = 0;     ///< at restore: ledger entries whose instance was gone
};

// -- inspect ------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_vector& x) {
  return f(caf::meta::type_name("resource_vector"), x.cpu_millicores,
           x.memory_mb, x.disk_iops, x.network_mbps, x.gpus);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_event& x) {
  // A location crosses as a flag plus coordinates: std::optional has no
  // inspect() in CAF 0.17.
  bool has_location = x.location.has_value();
  geo_location loc = has_location ? *x.location : geo_location{};
  auto kind = static_cast<uint8_t>(x.kind);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.kind = static_cast<event_kind>(kind);
    if (has_location)
      x.location = loc;
    else
      x.location.reset();
    return caf::none;
  });
  return f(caf::meta::type_name("usage_event"), x.tenant, x.user, x.device,
           x.app, kind, x.time_us, x.session, x.usage, x.duration_ms,
           has_location, loc.latitude, loc.longitude, x.location_consent,
           x.role, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_request& x) {
  return f(caf::meta::type_name("resource_request"), x.tenant, x.user,
           x.device, x.app, x.region, x.time_us, x.resources);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grant& x) {
  auto path = static_cast<uint8_t>(x.path);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.path = static_cast<grant_path>(path);
    return caf::none;
  });
  return f(caf::meta::type_name("grant"), x.data_center, x.instance, path,
           x.decision_latency_us, x.endpoint, x.wait_us, restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, data_center_status& x) {
  return f(caf::meta::type_name("data_center_status"), x.name, x.region,
           x.cpu_capacity_millicores, x.cpu_used_millicores,
           x.memory_capacity_mb, x.memory_used_mb, x.instances_granted, x.served_by,
           x.region_lost);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, app_count& x) {
  return f(caf::meta::type_name("app_count"), x.app, x.events, x.launches);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_quantiles& x) {
  return f(caf::meta::type_name("usage_quantiles"), x.metric, x.p50, x.p90,
           x.p99, x.samples);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, app_prediction& x) {
  return f(caf::meta::type_name("app_prediction"), x.app, x.probability,
           x.device, x.window_from_us, x.window_to_us, x.usage);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_summary& x) {
  return f(caf::meta::type_name("user_summary"), x.tenant, x.user, x.found,
           x.events, x.first_event_us, x.last_event_us, x.devices, x.top_apps,
           x.activity_class, x.resident, x.stored_events, x.predictions,
           x.next_launch_from_us, x.next_launch_to_us, x.latency_class);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_stats& x) {
  return f(caf::meta::type_name("shard_stats"), x.shard, x.resident_profiles,
           x.events_applied, x.log_bytes_since_checkpoint, x.watermark_us,
           x.resident_models, x.model_bytes, x.models_reset,
           x.inference_requests, x.inference_replies, x.learned_uses,
           x.inference_in_flight, x.anomalies_flagged);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_stats& x) {
  return f(caf::meta::type_name("broker_stats"), x.status, x.grants_reactive,
           x.grants_prewarmed, x.grants_shadow, x.refusals, x.releases,
           x.forecast_refits_pending, x.holds_placed, x.holds_claimed,
           x.holds_expired, x.holds_refused, x.holds_live, x.idle_warm_cpu_s,
           x.idle_warm_mb_s, x.prewarm_threshold, x.anomalies_flagged,
           x.demand_forecast_fitted, x.demand_forecast_mae,
           x.demand_forecast_coverage95, x.demand_steps,
           x.reserve_hits, x.reserve_misses, x.reserve_live, x.reserve_idle_cpu_s,
           x.warm_spot, x.warm_on_demand, x.idle_warm_cost, x.holds_displaced,

           x.claims_waited, x.claims_waiting, x.instances_failed,
           x.restore_released, x.restore_erased);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hold_request& x) {
  return f(caf::meta::type_name("hold_request"), x.tenant, x.user, x.app,
           x.region, x.resources, x.confidence, x.time_us, x.until_us,
           x.max_reserve_share, x.priority);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hold_reply& x) {
  return f(caf::meta::type_name("hold_reply"), x.held, x.data_center,
           x.instance, x.expires_us, x.threshold, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, anomaly& x) {
  return f(caf::meta::type_name("anomaly"), x.tenant, x.user, x.data_center,
           x.kind, x.time_us, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, demand_forecast& x) {
  return f(caf::meta::type_name("demand_forecast"), x.app, x.point, x.lower95,
           x.upper95);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, data_center_forecast& x) {
  return f(caf::meta::type_name("data_center_forecast"), x.data_center, x.step_s,
           x.start_us, x.observations, x.series);
}

} // namespace prescient
