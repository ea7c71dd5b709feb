// State of the router actor (private).
#pragma once

#include <chrono>
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
  kpis counters;
  latency_histogram latency;
  int64_t watermark_us = 0;
  uint64_t events_at_last_tick = 0;
  std::chrono::steady_clock::time_point last_tick;
  double events_per_s = 0;
};

} // namespace prescient
