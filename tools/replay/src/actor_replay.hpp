// Replays a trace through the node's real actors: a router and its shard
// actors over a RocksDB in a scratch directory, exactly as prescientd wires
// them, fed in event time as fast as they go. Each shard scores every
// prediction its user models make before they learn the event (shard
// option score_predictions); the boards are merged in shard order.
//
// Deterministic: the router forwards each shard's events in trace order, a
// shard handles them one at a time, and a user model that leaves memory
// (checkpoint, budget, passivation — these follow wall time) comes back
// bit-identical from storage.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "prescient/predict/scoreboard.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::replay {

struct actor_replay_options {
  uint32_t shards = 64;        ///< as a default node
  bool components = true;      ///< score each model component too
  std::string scratch_parent;  ///< where the scratch database goes ("" = TMPDIR)
  size_t batch = 1024;         ///< events per ingest message
  /// Called with the number of events acknowledged so far.
  std::function<void(size_t)> progress;
};

/// Replays `events` (time ordered) and returns the shards' merged scores of
/// the online models (components, "mixture", "prescient"). Throws
/// std::runtime_error when the actors fail.
predict::scoreboard replay_through_actors(const std::vector<usage_event>& events,
                                          const actor_replay_options& opts);

} // namespace prescient::replay
