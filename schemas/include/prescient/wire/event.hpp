// Plain C++ value types for what crosses the wire: usage events, resource
// vectors, requests and grants. The Cap'n Proto schemas in schemas/*.capnp
// are the wire format; these structs are what the rest of the code uses, and
// convert.hpp translates between the two at one edge (gateway and client).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace prescient {

enum class event_kind : uint8_t {
  launch = 0,    ///< an app was started on a device
  close = 1,     ///< an app was closed; usage summarises the session
  request = 2,   ///< the user asked for capacity (see resource_request)
  heartbeat = 3, ///< periodic usage sample while an app runs
};

/// Measured or requested resources. Real-valued: measurements are averages.
/// Valid values are finite and within limits::max_* (see validate.hpp).
struct resource_vector {
  double cpu_millicores = 0;
  double memory_mb = 0;
  double disk_iops = 0;
  double network_mbps = 0;
  double gpus = 0;
};

/// WGS84 position; stored only when the user consented.
struct geo_location {
  double latitude = 0;
  double longitude = 0;
};

/// One thing a user did, as the front end reports it.
struct usage_event {
  std::string tenant;
  std::string user;
  std::string device;
  std::string app;
  event_kind kind = event_kind::heartbeat;
  int64_t time_us = 0;  ///< event time, microseconds since the Unix epoch
  uint64_t session = 0; ///< front end's session id; 0 = unknown
  resource_vector usage;
  double duration_ms = 0; ///< time the app ran (close) or was sampled
  std::optional<geo_location> location;
  bool location_consent = false; ///< without it, location is dropped
  std::string role;              ///< user's role in the tenant, free text
};

/// A user asks for capacity to run an app now.
struct resource_request {
  std::string tenant;
  std::string user;
  std::string device;
  std::string app;
  std::string region; ///< the user's region; empty = any
  int64_t time_us = 0;
  resource_vector resources;
};

enum class grant_path : uint8_t {
  prewarmed = 0, ///< served from capacity reserved ahead of the request
  shadow = 1,    ///< served from a warm instance that ran warm-up steps
  reactive = 2,  ///< the provider's ordinary (cold) provisioning
};

struct grant {
  std::string data_center;
  std::string instance;
  grant_path path = grant_path::reactive;
  int64_t decision_latency_us = 0; ///< time the node took to decide
  std::string endpoint;            ///< where to reach the instance, if any
  /// What the request waited on the provider: a warm instance's hand-over
  /// (plus its remaining warm-up when claimed while warming), or a cold
  /// start from provisioning to hand-over. Event time for a simulated data
  /// center, measured for local processes.
  int64_t wait_us = 0;
};

const char* to_string(event_kind) noexcept;
const char* to_string(grant_path) noexcept;

} // namespace prescient
