// One scrape of the /metrics endpoint: what the node reports, gathered from
// the actors that own it, and its Prometheus text rendering. Kept apart from
// the HTTP server so the rendering is a pure function of the snapshot.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <kj/async.h>

#include "prescient/actors/admin_actor.hpp"
#include "prescient/actors/shard_actor.hpp"

namespace prescient::node {

/// Sums over every shard of the node (from their status_atom stats).
struct shard_totals {
  uint64_t resident_profiles = 0;
  uint64_t resident_models = 0;
  uint64_t model_bytes = 0;
  uint64_t inference_requests = 0;
  uint64_t inference_replies = 0;
  uint64_t learned_uses = 0;
};

struct metrics_snapshot {
  node_status status; ///< from the admin actor: node, storage, data centers
  prescient::kpis kpis; ///< from the admin actor (the router's counters)
  shard_totals shards;
};

/// Where a scrape gathers from.
struct metrics_sources {
  caf::actor bridge; ///< makes the requests on the kj thread's behalf
  admin_actor admin;
  std::vector<shard_actor> shards;
  std::chrono::milliseconds timeout{5'000}; ///< bound on each actor request
};

/// Starts gathering a snapshot and returns at once: the bridge actor asks
/// the admin actor (status, KPIs) and every shard in parallel, each request
/// bounded by `src.timeout`. The promise, to be awaited on the calling kj
/// thread, is rejected with a one-line reason when any answer fails or times
/// out — a partial scrape would read as counters going backwards.
kj::Promise<metrics_snapshot> gather_metrics(const metrics_sources& src);

/// The snapshot in the Prometheus text exposition format 0.0.4: a `# HELP`
/// and `# TYPE` line per family, counters end in `_total`, data centers are
/// told apart by the label `data_center`.
std::string render_prometheus(const metrics_snapshot& s);

} // namespace prescient::node
