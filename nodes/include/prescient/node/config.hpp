// Node configuration: what `prescientd` reads from its TOML file at startup.
//
// The file describes one node (listen addresses, data directory, sharding),
// the limits and timers of ingest, profiles and policy, and the topology the
// node serves: regions, data centers (capacity, latency, prices) and tenants.
// config/default.toml and config/multi-region.example.toml are the commented
// reference for every key.
//
// Parsing is strict so that a typo never silently becomes a default: unknown
// keys, wrong types, out-of-range values, duplicate names and dangling
// references are all errors. Every error is a `config_error` whose what() is
// one line naming the file position, the full key path and the reason:
//
//   node.toml:12:19: key 'data_centers[1].capacity.cpu_millicores': expected a number, got a string
//
// Array indices in key paths are 0-based, as in toml++ paths.
//
// Durations are written as strings: a number and a unit, optionally several
// in a row: "500ms", "30s", "15m", "2h", "7d", "1w", "1h30m", "1.5h".
// Units: us, ms, s, m, h, d, w. Sizes (checkpoint_bytes) are an integer
// number of bytes or a string with a unit: "8MiB", "512KiB", "1GiB", "64MB".
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "prescient/providers/app_template.hpp"
#include "prescient/providers/delay_distribution.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::node {

/// Any problem with a configuration file: I/O, syntax, schema or semantics.
/// what() is a single line: `SOURCE[:LINE:COL]: key 'PATH': REASON`.
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// All configured durations, at microsecond resolution.
using duration = std::chrono::microseconds;

/// A `host:port` listen address. IPv6 hosts are written in brackets,
/// "[::1]:7400"; `host` holds them without brackets. Port 0 asks the OS
/// for a free port.
struct listen_address {
  std::string host; ///< name or literal address, never empty
  uint16_t port = 0;

  /// "host:port", with brackets around IPv6 literals.
  std::string to_string() const;
};

/// [node]: this process.
struct node_section {
  std::string id = "node-1";                       // Default: "node-1"
  listen_address rpc_listen{"127.0.0.1", 7400};    // Default: "127.0.0.1:7400"
  std::string data_dir = "./var";                  // Default: "./var"
  uint32_t shards = 64;                            // Default: 64 (1..4096)
  uint32_t worker_threads = 0;                     // Default: 0 = number of cores (0..1024)
  std::optional<listen_address> metrics_listen;    // Default: "" = no metrics endpoint
};

/// [storage]: RocksDB durability and time-series retention per user tier.
struct storage_section {
  bool sync = false;                                // Default: false (no fsync per write batch)
  duration retention_frequent = std::chrono::hours(24 * 90);   // Default: "90d"
  duration retention_regular = std::chrono::hours(24 * 30);    // Default: "30d"
  duration retention_occasional = std::chrono::hours(24 * 7);  // Default: "7d"
};

/// [ingest]: what the gateway accepts.
struct ingest_section {
  uint32_t max_batch_events = 10'000;        // Default: 10000 (1..limits::max_batch_events)
  duration max_event_age = std::chrono::hours(24 * 30); // Default: "30d" (> 0)
  duration max_clock_skew = std::chrono::minutes(5);    // Default: "5m" (>= 0)
  /// Backpressure bound: events accepted but not yet applied by profiles.
  uint64_t max_inflight_events = 200'000;    // Default: 200000 (>= max_batch_events)
};

/// [profiles]: user-profile actor lifecycle.
struct profiles_section {
  duration idle_passivation = std::chrono::minutes(30); // Default: "30m" of event time (> 0)
  duration checkpoint_interval = std::chrono::seconds(10); // Default: "10s" of wall time (> 0)
  /// Ingest-log bytes per shard after which a checkpoint is forced.
  uint64_t checkpoint_bytes = 8u << 20;      // Default: 8 MiB (4 KiB..1 TiB)
  /// Memory for resident user prediction models, the whole node; beyond it
  /// the models of the least recently active users wait in storage.
  uint64_t model_memory = 256u << 20;        // Default: 256 MiB (1 MiB..1 TiB)
};

/// [learned]: the learned next-app model (LSTM), trained beside the node.
struct learned_section {
  /// Train, publish and use learned models.
  bool enabled = true;                                   // Default: true
  /// Wall time between training runs.
  duration train_interval = std::chrono::hours(1);       // Default: "1h" (>= 1m)
  /// Event time of history a run reads.
  duration history = std::chrono::hours(24 * 14);        // Default: "14d" (> 0)
  /// Wall-time budget of one tenant's training.
  duration time_budget = std::chrono::seconds(120);      // Default: "120s" (> 0)
  /// New events of a tenant since its last run needed for the next one.
  uint64_t min_new_events = 1000;                        // Default: 1000
};

/// [policy]: prewarm decisions.
struct policy_section {
  duration hold_time = std::chrono::minutes(15); // Default: "15m" (> 0)
  double prewarm_threshold = 0.8;               // Default: 0.8, in (0, 1]
  /// Holds and reserve instances go on spot when the spot price predicted
  /// for their hold window stays under this, per core-hour; 0 = never spot.
  double spot_ceiling = 0;                      // Default: 0 (>= 0)
  /// Warm reserve per app template: demand covered ahead (the time to warm
  /// a replacement); "0s" = no reserve.
  duration reserve_lead = duration::zero();     // Default: "0s" = off
  /// Share of the 95% interval above the forecast added as margin.
  double reserve_margin = 0.5;                  // Default: 0.5, in [0, 1]
  /// Share of each data center's reserve the warm reserve may take.
  double reserve_pool_share = 0.5;              // Default: 0.5, in [0, 1]
};

/// [cluster]: membership in a cluster of nodes. Absent = a standalone node.
/// Between nodes runs CAF's middleman (BASP over TCP) on `listen`; peer
/// failure is detected by phi accrual over the gossip heartbeats and by
/// CAF's own connection timeout.
struct cluster_section {
  listen_address listen;                 ///< required: this node's cluster endpoint
  std::vector<listen_address> seeds;     // Default: empty (the first node of a cluster)
  /// The cluster's configured size; writes need a strict majority of it.
  uint32_t expected_nodes = 0;           ///< required, 1..1024
  uint32_t replicas = 2;                 // Default: 2 (1..16): copies of each shard
  duration heartbeat_interval = std::chrono::milliseconds(500); // Default: "500ms" (10ms..1m)
  duration connection_timeout = std::chrono::seconds(5);        // Default: "5s" (> heartbeat_interval)
  duration request_timeout = std::chrono::seconds(2);           // Default: "2s" (> 0): any request to a peer
  double phi_threshold = 8;              // Default: 8, in [1, 100]
  std::string region;                    // Default: the first [[regions]] entry
};

/// One [[regions]] entry.
struct region_config {
  std::string name; ///< required, unique
};

/// One point of a spot price series: from `time_s` (Unix seconds, event
/// time) on, spot capacity costs `price` per core-hour.
struct spot_point {
  int64_t time_s = 0;
  double price = 0;
};

/// [data_centers.process]: a data center of local processes.
struct process_section {
  duration grace = std::chrono::seconds(2);                // Default: "2s" (SIGTERM -> SIGKILL)
  duration poll_interval = std::chrono::milliseconds(5);   // Default: "5ms" (> 0)
  std::vector<std::string> environment;                    // Default: empty; "NAME=value" each
  /// Records of live children, for adoption after a crash; relative paths
  /// are under node.data_dir.
  std::string state_dir;                                   // Default: "providers/<name>"
};

/// One [[data_centers]] entry.
struct data_center_config {
  std::string name;   ///< required, unique across data centers
  std::string region; ///< required, names a [[regions]] entry
  /// Total capacity. Each component defaults to 0; all finite and >= 0.
  resource_vector capacity;                    // Default: all 0
  /// Round-trip latency from users in a region, keyed by region name.
  std::map<std::string, double> latency_ms;    // Default: empty
  double price_on_demand = 0;                  // Default: 0, per core-hour (>= 0)
  double price_spot = 0;                       // Default: 0, per core-hour (>= 0)
  /// Spot price history, `spot_prices = [[t_seconds, price], ...]`, times
  /// strictly increasing; empty = spot at price_spot throughout.
  std::vector<spot_point> spot_prices;         // Default: empty
  double cold_start_ms = 2000;                 // Default: 2000 (>= 0)
  double warm_start_ms = 50;                   // Default: 50 (>= 0)
  /// Where instances come from: "simulated" (event time, drawn delays) or
  /// "process" (local processes of the [[apps]] command lines).
  std::string provider = "simulated";          // Default: "simulated"
  /// Simulated delays (see providers::delay_distribution).
  providers::delay_distribution cold_start = providers::delay_distribution::fixed(2000);  // Default: fixed:<cold_start_ms>
  providers::delay_distribution warmup_step = providers::delay_distribution::fixed(100);  // Default: fixed:100
  providers::delay_distribution warm_start = providers::delay_distribution::fixed(50);    // Default: fixed:<warm_start_ms>
  double failure_rate = 0;                     // Default: 0, in [0, 1]
  uint64_t seed = 1;                           // Default: 1
  process_section process;                     // only with provider = "process"
};

/// One [[tenants]] entry.
struct tenant_config {
  std::string id;                           ///< required, unique
  std::vector<std::string> allowed_regions; // Default: empty = all regions
  double max_reserve_share = 0.5;           // Default: 0.5, in [0, 1]
  int64_t priority = 0;                     // Default: 0, higher = served first
  /// Throttle users flagged as anomalous: no pre-warming for them, and at
  /// most throttle_requests_per_minute requests a minute, for throttle_time
  /// (event time) after the latest flag.
  bool throttle_anomalous = false;                     // Default: false
  duration throttle_time = std::chrono::minutes(15);   // Default: "15m" (> 0)
  int64_t throttle_requests_per_minute = 10;           // Default: 10, in [0, 100000]
  /// SHA-256 digests (64 lowercase hex digits) of the tokens that log in as
  /// this tenant; the tokens themselves are never stored.
  std::vector<std::string> tokens_sha256;              // Default: empty
};

/// [security]: how nodes authenticate each other and clients authenticate
/// to a node. PEM paths are resolved against the directory of the
/// configuration file when relative. certificate, key and ca go together:
/// with them, node-to-node connections use mutual TLS against `ca`; without
/// them, CAF's anonymous cipher (encrypted, not authenticated).
struct security_section {
  /// mode = "production": certificate, key and ca are required, as are at
  /// least one admin token and a token for every tenant.
  bool production = false;                  // Default: "development"
  std::string certificate;                  // Default: "" (PEM chain of this node)
  std::string key;                          // Default: "" (PEM private key)
  std::string ca;                           // Default: "" (PEM CA that signs every node)
  std::string key_passphrase_file;          // Default: "" (key not encrypted)
  /// Digests of admin tokens (unrestricted, cluster operations).
  std::vector<std::string> admin_tokens_sha256; // Default: empty

  /// True when certificate, key and ca are set.
  bool tls() const noexcept {
    return !certificate.empty();
  }
};

/// The whole file. At least one region, data center and tenant are required.
struct node_config {
  node_section node;
  storage_section storage;
  ingest_section ingest;
  profiles_section profiles;
  learned_section learned;
  policy_section policy;
  std::optional<cluster_section> cluster;       // Default: absent = standalone
  std::vector<region_config> regions;           // in file order
  std::vector<data_center_config> data_centers; // in file order
  std::vector<tenant_config> tenants;           // in file order
  /// [[apps]]: templates by the app id of requests, in file order. An app
  /// without one gets a default (simulated data centers only).
  std::vector<providers::app_template> apps;
  security_section security;
  std::string source;                           ///< file name it was read from

  const region_config* find_region(std::string_view name) const noexcept;
  const data_center_config* find_data_center(std::string_view name) const noexcept;
  const tenant_config* find_tenant(std::string_view id) const noexcept;
  /// True when clients must log in with a token: in production mode, and
  /// as soon as any token digest is configured.
  bool authentication_enforced() const noexcept;
  /// True when the tenant may use the region (empty allowed_regions = all).
  static bool allows(const tenant_config& t, std::string_view region) noexcept;
};

/// Reads and validates the file at `path`. Throws config_error.
node_config load_config(const std::string& path);

/// Parses and validates TOML text; `source_name` prefixes error positions.
/// Throws config_error.
node_config parse_config(std::string_view toml_text,
                         std::string_view source_name);

/// A short multi-line human summary for startup logs (no trailing newline).
std::string describe(const node_config& cfg);

/// Parses "15m", "500ms", "1h30m", "1.5d" (units us, ms, s, m, h, d, w).
/// Returns nullopt for anything else, including negative values and a bare
/// number without a unit (except "0").
std::optional<duration> parse_duration(std::string_view text);

/// The shortest exact spelling in the units above: 900s -> "15m",
/// 90m -> "1h30m", 0 -> "0s".
std::string format_duration(duration d);

/// Parses a listen address "host:port" / "[v6]:port"; nullopt when invalid.
std::optional<listen_address> parse_listen_address(std::string_view text);

} // namespace prescient::node
