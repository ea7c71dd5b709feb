// The data-center broker: owns every capacity decision of one data center.
// It accounts capacity, holds warm capacity for users whose next use is
// predicted confidently enough (holds expire unclaimed after the hold time,
// in event time), and serves claims: from the user's hold when there is one
// (prewarmed), else on the reactive path (the provider's ordinary
// provisioning). Every grant and hold is recorded in the ledger before it
// is answered, so a restarted broker knows what is out and leaks nothing.
// It forecasts its demand from the claims it serves.
//
// Instances come from its provider (providers::provider): a hold starts a
// warm instance (provision_warm, id = the ledger key's instance), a claim
// that hits a ready one gets it handed over (prewarmed, or shadow when
// warm-up steps ran), a hit on one still warming waits for it, a miss starts
// a cold one and waits; a claim that waits is answered through a response
// promise once poll() reports its instance ready (a warm one that fails
// falls back to a cold start; a cold one that fails is a clear error, its
// capacity released). A live provider (process) is polled on a delayed
// message at next_poll(); a simulated one runs in event time, advanced by
// ticks and claims, and a claim that must wait jumps it to the instance's
// ready time, so that a replay never blocks and grants carry the drawn wait.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "prescient/actors/atoms.hpp"
#include "prescient/actors/broker_batch.hpp"
#include "prescient/actors/messages.hpp"
#include "prescient/providers/app_template.hpp"
#include "prescient/providers/provider.hpp"

namespace prescient {

namespace storage {
class db;
} // namespace storage

/// One point of a spot price series: from `time_us` (event time) on, spot
/// capacity costs `price` per core-hour.
struct spot_price {
  int64_t time_us = 0;
  double price = 0;
};

/// The warm reserve: tenant-less warm instances per app template, sized from
/// the broker's demand forecast (see warm_reserve.hpp).
struct warm_reserve_options {
  /// How far ahead the reserve covers demand: the time to warm a
  /// replacement. 0 turns the reserve off.
  int64_t lead_us = 0; // Default: 0 = off
  /// Share of the 95% prediction interval above the point forecast added
  /// as margin (0 = point forecast, 1 = upper 95% bound).
  double margin = 0.5; // Default: 0.5
  /// Share of the reserve (reserve_fraction of capacity) the pool may take;
  /// the rest stays for holds of predicted users.
  double pool_share = 0.5; // Default: 0.5
  /// Evaluations (one per event-time minute) the target must stay below the
  /// current size before the pool shrinks: no flapping on a noisy forecast.
  int scale_in_after = 5; // Default: 5
};

/// A data center as configured.
struct data_center_spec {
  std::string name;
  std::string region;
  resource_vector capacity;
  std::map<std::string, double> latency_ms; ///< from each region
  double price_on_demand = 0;               ///< per core-hour
  double price_spot = 0;                    ///< per core-hour
  /// Pre-warming: how long a hold waits for its claim (event time).
  int64_t hold_time_us = 15LL * 60 * 1'000'000; // Default: 15 min
  /// Share of hold outcomes that must be claims; the confidence threshold
  /// adapts to it (see prewarm_threshold.hpp). Also the starting threshold.
  double target_precision = 0.8; // Default: 0.8
  /// Share of the capacity holds may take together (the reserve), so the
  /// reactive path always has room.
  double reserve_fraction = 0.5; // Default: 0.5
  /// Spot price series in time order; empty = spot at price_spot throughout
  /// (no spot at all when price_spot is 0).
  std::vector<spot_price> spot_prices = {};
  /// Holds and reserve instances use spot when the price predicted for
  /// their window stays below this (per core-hour); 0 = never spot.
  double spot_ceiling = 0; // Default: 0
  warm_reserve_options reserve = {};
  /// A live provider: how long a claim may wait for its instance before the
  /// broker gives up (releases it, answers provider_failure); below the
  /// router's 5 s request timeout, so that no answer comes after the caller
  /// stopped listening and no instance stays granted to nobody.
  int64_t max_claim_wait_us = 4'000'000; // Default: 4 s
};

/// Where a broker's instances come from.
struct broker_provider {
  /// Null: a simulated data center of the spec's capacity with no delays
  /// (capacity accounting only, every grant answered at once).
  std::unique_ptr<providers::provider> instances;
  /// App templates by app id. An app without one gets a default template:
  /// name = app, resources of the request, no command, which only a
  /// simulated provider can start (a process provider refuses it, and the
  /// claim or hold fails with its reason; the node's config check rejects
  /// a process data center without templates earlier).
  std::map<std::string, providers::app_template> apps;
  /// The provider's clock, for a live provider (process_provider::now_us):
  /// the broker polls it on a timer. Empty = event time (simulated).
  std::function<int64_t()> clock;
  /// Whether instances outlive the broker's process (a process provider
  /// with a state directory adopts survivors): then restore() reconciles
  /// the ledger with list(). A simulated data center lives in memory, so
  /// its ledger is taken as it is.
  bool reconcile = false;
};

using broker_actor = caf::typed_actor<
  /// Grants capacity for the request, or fails with no_capacity.
  caf::replies_to<claim_atom, resource_request>::with<grant>,
  /// Gives an instance back: (tenant, user, instance). Fails with
  /// unknown_instance if it is not granted to that user.
  caf::replies_to<release_atom, std::string, std::string, std::string>::with<bool>,
  caf::replies_to<status_atom>::with<broker_stats>,
  /// Forecast of the requests this data center will serve, for the given
  /// number of 5-minute steps (1..2016), from the demand it has served.
  caf::replies_to<forecast_atom, uint32_t>::with<data_center_forecast>,
  /// Up to N of the latest demand steps outside the forecast, newest first.
  caf::replies_to<anomalies_atom, uint32_t>::with<std::vector<anomaly>>,
  /// Holds warm capacity for a predicted use, if the prediction is
  /// confident enough for this data center and the tenant's share allows.
  caf::replies_to<hold_atom, hold_request>::with<hold_reply>,
  /// Advances event time: holds past their expiry are released.
  caf::reacts_to<tick_atom, int64_t>,
  /// Polls a live provider (the broker's own timer).
  caf::reacts_to<poll_atom>,
  /// Releases, holds and claims in one message, applied as if each were
  /// sent alone, in that order (see broker_batch.hpp).
  caf::replies_to<batch_atom, broker_batch>::with<broker_batch_reply>>;

/// Spawns the broker; it restores its grants from the ledger first, then
/// reconciles them with the provider's instances (see broker_provider).
broker_actor spawn_broker(caf::actor_system& sys, storage::db& db,
                          data_center_spec spec, broker_provider provider = {});

} // namespace prescient
