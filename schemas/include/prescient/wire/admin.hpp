// Value types for the admin queries (mirrors schemas/admin.capnp). The admin
// actor fills them, the gateway converts them (wire/convert.hpp), prescientctl
// prints them. No Cap'n Proto here: the client's public header includes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace prescient {

struct data_center_status {
  std::string name;
  std::string region;
  double cpu_capacity_millicores = 0;
  double cpu_used_millicores = 0;
  double memory_capacity_mb = 0;
  double memory_used_mb = 0;
  uint64_t instances_granted = 0;
  /// Cluster: the node whose broker serves it (its home, a node of its
  /// region); empty = each node's own broker (standalone, or no node in
  /// its region).
  std::string served_by;
  bool region_lost = false; ///< cluster: no node of its region is reachable; requests skip it
};

/// One member of a cluster as a node sees it.
struct cluster_member_status {
  std::string id;
  std::string address;       ///< its cluster endpoint, host:port
  std::string region;
  std::string state;         ///< joining | up | leaving | down
  bool reachable = false;    ///< connected and not suspected (the node itself: true)
  double phi = 0;            ///< current suspicion of failure (the node itself: 0)
  uint32_t shards_primary = 0;
  uint32_t shards_owned = 0; ///< as primary or replica
};

/// A node's view of its cluster; `enabled` is false on a standalone node.
struct cluster_status {
  bool enabled = false;
  std::string self;
  bool quorum = false;       ///< reaches a majority of expected_nodes: accepts writes
  uint32_t expected_nodes = 0;
  uint32_t replicas = 0;
  std::vector<cluster_member_status> members; ///< by id
  uint32_t copies_in_flight = 0; ///< shard copies this node is sending to new owners
  uint64_t events_copied = 0;    ///< events this node sent in shard copies
};

struct node_status {
  std::string node_id;
  std::string version;
  double uptime_s = 0;
  uint32_t shards = 0;
  uint64_t resident_profiles = 0;
  uint64_t known_users = 0;
  uint64_t events_ingested = 0;
  double events_per_second = 0;
  uint64_t storage_bytes = 0;
  uint64_t rss_bytes = 0;
  std::vector<data_center_status> data_centers;
  int64_t event_time_us = 0;
  cluster_status cluster;
};

struct app_count {
  std::string app;
  uint64_t events = 0;
  uint64_t launches = 0;
};

/// Quantiles of one resource over the runs of an app.
struct usage_quantiles {
  std::string metric; ///< cpu_millicores | memory_mb | disk_iops | network_mbps | gpus | duration_ms
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  uint64_t samples = 0; ///< runs measured (the tenant's when the user has none)
};

/// An app the user is likely to use next.
struct app_prediction {
  std::string app;
  double probability = 0; ///< calibrated: of apps predicted at p, ~p are right
  std::string device;     ///< where the user last ran it ("" = unknown)
  int64_t window_from_us = 0; ///< 80% window of its next launch (event time);
  int64_t window_to_us = 0;   ///< both 0 when unknown
  std::vector<usage_quantiles> usage;
};

struct user_summary {
  std::string tenant;
  std::string user;
  bool found = false;
  uint64_t events = 0;
  int64_t first_event_us = 0;
  int64_t last_event_us = 0;
  std::vector<std::string> devices;
  std::vector<app_count> top_apps;
  std::string activity_class;
  bool resident = false;
  uint64_t stored_events = 0;
  std::vector<app_prediction> predictions; ///< most likely first
  int64_t next_launch_from_us = 0; ///< 80% window of the next launch of any
  int64_t next_launch_to_us = 0;   ///< app (event time); 0 = unknown
  std::string latency_class;       ///< sensitive | normal | tolerant
};

struct kpis {
  uint64_t events_ingested = 0;
  uint64_t events_rejected = 0;
  uint64_t requests = 0;
  uint64_t grants_prewarmed = 0;
  uint64_t grants_shadow = 0;
  uint64_t grants_reactive = 0;
  double hit_rate = 0;
  uint64_t cold_starts = 0;
  uint64_t releases = 0;
  double decision_latency_p50_us = 0;
  double decision_latency_p99_us = 0;
  uint64_t holds_placed = 0;        ///< warm capacity held for predicted uses
  uint64_t holds_claimed = 0;       ///< of which the use came (a hit)
  uint64_t holds_expired = 0;       ///< of which expired unclaimed
  double prealloc_success_rate = 0; ///< claimed / (claimed + expired)
  double idle_warm_core_s = 0;      ///< held warm before its claim or expiry: core-seconds
  double idle_warm_gb_s = 0;        ///< held warm before its claim or expiry: GB-seconds
  double utilization = 0;           ///< cpu in use / capacity, all data centers
  // Prediction error, since the node started. Next uses: each use is scored
  // against the prediction its profile made before it (production model).
  uint64_t predictions_scored = 0;
  double prediction_error = 0;      ///< share of uses whose likeliest app was wrong
  double prediction_logloss = 0;    ///< mean -ln p(the app used)
  double prediction_ece = 0;        ///< calibration error of the top-1 confidence
  double timing_coverage80 = 0;     ///< share of launch gaps inside the 80% window
  // Demand: the brokers' one-step forecasts of requests per 5-minute step.
  double demand_forecast_mae = 0;        ///< smoothed absolute error, mean over data centers
  double demand_forecast_coverage95 = 0; ///< smoothed share inside the 95% interval
  uint64_t anomalies_flagged = 0;   ///< users' and data centers', since start
  uint64_t throttled = 0;           ///< requests and holds refused by throttling
  uint64_t reserve_hits = 0;        ///< claims served from the warm reserve
  uint64_t reserve_misses = 0;      ///< claims with no hold and no reserve instance
  double reserve_idle_core_s = 0;   ///< reserve instances waiting: core-seconds
  double idle_warm_cost = 0;        ///< idle warm core-hours x their price
  // Cluster: claims and the nodes that decide them.
  uint64_t claims_forwarded = 0;    ///< sent to the node of the user's shard to decide
  uint64_t claims_fallback = 0;     ///< of which decided here: that node did not answer
  uint64_t claims_remote_dc = 0;    ///< sent to a data center homed on another node
};

/// Requests per step expected at one data center (event time).
struct demand_forecast {
  std::string app; ///< "*" = every app template together
  std::vector<double> point;
  std::vector<double> lower95;
  std::vector<double> upper95;
};

struct data_center_forecast {
  std::string data_center;
  uint32_t step_s = 0;
  int64_t start_us = 0;
  uint64_t observations = 0;
  std::vector<demand_forecast> series; ///< the total first
};

/// Behaviour that departs from what was learned: a user's (tenant and user
/// set) or a data center's demand (data_center set).
struct anomaly {
  std::string tenant;
  std::string user;
  std::string data_center;
  /// unusual_app | unusual_resources | request_burst | demand_outside_forecast
  std::string kind;
  int64_t time_us = 0; ///< event time of what was flagged
  std::string reason;  ///< one line, with the numbers
};

} // namespace prescient
