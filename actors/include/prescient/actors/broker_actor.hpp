// The data-center broker: owns every capacity decision of one data center.
// It accounts capacity, holds warm capacity for users whose next use is
// predicted confidently enough (holds expire unclaimed after the hold time,
// in event time), and serves claims: from the user's hold when there is one
// (prewarmed), else on the reactive path (the provider's ordinary
// provisioning). Every grant and hold is recorded in the ledger before it
// is answered, so a restarted broker knows what is out and leaks nothing.
// It forecasts its demand from the claims it serves.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "prescient/actors/atoms.hpp"
#include "prescient/actors/broker_batch.hpp"
#include "prescient/actors/messages.hpp"

namespace prescient {

namespace storage {
class db;
} // namespace storage

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
  /// Releases, holds and claims in one message, applied as if each were
  /// sent alone, in that order (see broker_batch.hpp).
  caf::replies_to<batch_atom, broker_batch>::with<broker_batch_reply>>;

/// Spawns the broker; it restores its grants from the ledger first.
broker_actor spawn_broker(caf::actor_system& sys, storage::db& db,
                          data_center_spec spec);

} // namespace prescient
