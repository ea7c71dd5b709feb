// The shard actor: hosts the user profiles of one slice of the hash ring.
// Every batch is appended to the shard's write-ahead log in RocksDB before
// it is acknowledged, then applied to the profiles in memory; a checkpoint
// writes the profiles' chunks and state and truncates the log. On start a
// shard replays its log, so nothing acknowledged is lost by a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "prescient/actors/atoms.hpp"
#include "prescient/actors/messages.hpp"
#include "prescient/learned/inference_actor.hpp"
#include "prescient/learned/model_registry.hpp"

namespace prescient {

namespace storage {
class db;
} // namespace storage

using shard_actor = caf::typed_actor<
  /// Appends the events (all of this shard's users) durably; replies with
  /// the number applied once they are in the write-ahead log.
  caf::replies_to<ingest_atom, event_batch>::with<uint32_t>,
  /// Summary of one user's stored history (checkpoints first).
  caf::replies_to<user_atom, std::string, std::string>::with<user_summary>,
  caf::replies_to<status_atom>::with<shard_stats>,
  /// Advances event time to the watermark; passivates idle profiles and
  /// checkpoints when the interval has passed.
  caf::reacts_to<tick_atom, int64_t>,
  /// Writes everything and truncates the log (before shutdown).
  caf::replies_to<checkpt_atom>::with<uint64_t>,
  /// Erases one user's profile and history.
  caf::replies_to<erase_atom, std::string, std::string>::with<bool>,
  /// The scores of the predictions made so far (a serialized
  /// predict::scoreboard); empty unless shard_options::score_predictions.
  caf::replies_to<score_atom>::with<std::string>,
  /// Up to N of the latest anomalies of the shard's users, newest first.
  caf::replies_to<anomalies_atom, uint32_t>::with<std::vector<anomaly>>,
  /// Where to send hold requests for confident predictions (the router);
  /// none are made before.
  caf::reacts_to<connect_atom, caf::actor>,
  /// (shards, vnodes of the ring): this shard's users, after a checkpoint,
  /// for a copy of the shard to a new owner.
  caf::replies_to<copy_atom, uint32_t, uint32_t>::with<user_refs>,
  /// Every stored event of these users, each user's in time order: the
  /// next part of such a copy.
  caf::replies_to<copy_atom, user_refs>::with<event_batch>,
  /// Part of such a copy, received: applies the events not held yet;
  /// replies with their number.
  caf::replies_to<copy_atom, event_batch>::with<uint32_t>>;

struct shard_options {
  uint16_t id = 0;
  /// Event time without events after which a profile leaves memory.
  int64_t idle_passivation_us = 30LL * 60 * 1'000'000; // Default: 30 min
  /// Wall time between checkpoints of a shard with unsaved changes.
  std::chrono::milliseconds checkpoint_interval{10'000}; // Default: 10 s
  /// Log bytes since the last checkpoint that force one.
  uint64_t checkpoint_bytes = 8u << 20; // Default: 8 MiB
  /// Memory for resident user models; beyond it the models of the least
  /// recently active users leave memory at the next checkpoint (they are
  /// reloaded on the user's next event).
  uint64_t model_memory_bytes = 4u << 20; // Default: 4 MiB
  /// Score every prediction before learning its event (replay evaluation).
  bool score_predictions = false; // Default: false
  /// With score_predictions: score each model component too.
  bool score_components = true; // Default: true
  /// With score_predictions: keep each timing window's width, for the
  /// median width (a replay); a live node scores without (bounded memory).
  bool score_widths = true; // Default: true
  /// The learned next-app models (optional): what the trainer published,
  /// and the service that scores users' recent steps with them.
  std::shared_ptr<const learned::model_registry> learned_models;
  learned::inference_actor inference;
  /// Inference requests out at once per shard; beyond them a use sends
  /// none (its user keeps the online prediction), which sheds load when
  /// inference is slower than ingest.
  uint32_t max_inference_in_flight = 32; // Default: 32
};

/// Spawns a shard that replays its log before it handles any message.
/// `db` must outlive the actor.
shard_actor spawn_shard(caf::actor_system& sys, storage::db& db,
                        shard_options opts);

} // namespace prescient
