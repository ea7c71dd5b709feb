// The admin actor: answers operators' questions about this node — status,
// one user's profile, KPIs — by asking the actors that own the answers.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "prescient/actors/atoms.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/messages.hpp"
#include "prescient/actors/router_actor.hpp"
#include "prescient/actors/shard_actor.hpp"

namespace prescient {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("node_status"), x.node_id, x.version,
           x.uptime_s, x.shards, x.resident_profiles, x.known_users,
           x.events_ingested, x.events_per_second, x.storage_bytes, x.rss_bytes,
           x.data_centers, x.event_time_us, x.cluster);
}

using admin_actor = caf::typed_actor<
  caf::replies_to<status_atom>::with<node_status>,
  caf::replies_to<user_atom, std::string, std::string>::with<user_summary>,
  caf::replies_to<kpis_atom>::with<kpis>,
  caf::replies_to<erase_atom, std::string, std::string>::with<bool>,
  /// (data center, horizon in steps): its demand forecast.
  caf::replies_to<forecast_atom, std::string, uint32_t>::with<data_center_forecast>,
  /// Up to N (1..max_anomalies) of the latest anomalies of every shard and
  /// data center, newest first.
  caf::replies_to<anomalies_atom, uint32_t>::with<std::vector<anomaly>>>;

/// Most anomalies one answer holds (each shard and broker keeps its last 256).
inline constexpr uint32_t max_anomalies = 1000;

struct admin_options {
  std::string node_id;
  std::vector<shard_actor> shards;
  struct data_center {
    std::string name;
    broker_actor broker;
  };
  std::vector<data_center> data_centers;
  router_actor router;
  /// Cluster mode: the membership actor (cluster_actor.hpp); users are read
  /// and erased through it wherever their shard lives. Null = standalone.
  caf::actor cluster;
  storage::db* db = nullptr;
  uint32_t vnodes = 128; ///< must match the router's ring
  std::chrono::milliseconds timeout{5'000};
};

admin_actor spawn_admin(caf::actor_system& sys, admin_options opts);

/// Resident set size of this process in bytes (0 where unknown).
uint64_t process_rss_bytes();

} // namespace prescient
