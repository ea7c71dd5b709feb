#pragma once
// The trainer's work, without the actor around it (trainer_actor.hpp runs it
// on a detached thread): read every tenant's recent history from storage,
// build per-user step sequences, hold out each user's last events, train a
// new model version on the rest, score it and the online production model
// (prescient::predict, prequential) on the held-out events, and publish the
// new version (registry + RocksDB) only if it beats the online model.
// Single-threaded; blocks for as long as training takes (time budget).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "prescient/learned/messages.hpp"
#include "prescient/learned/model_registry.hpp"
#include "prescient/learned/next_app_model.hpp"
#include "prescient/learned/vocabulary.hpp"

namespace prescient::storage {
class db;
} // namespace prescient::storage

namespace prescient::learned {

struct trainer_options {
  /// Wall time between scheduled runs; 0 disables the schedule (train_atom
  /// only). Default: 1 h.
  std::chrono::milliseconds interval{3'600'000};
  /// A scheduled run trains a tenant only with this many events newer than
  /// the newest one of its last run (train_atom ignores it; that record is
  /// kept in memory, so the first scheduled run after a restart trains).
  /// Default: 1000.
  uint64_t min_new_events = 1000;
  /// History read: events with time > watermark - history_us (all when the
  /// db has no watermark). Default: 14 days.
  int64_t history_us = int64_t{14} * 24 * 3600 * 1'000'000;
  /// Users read per tenant: a sample by hash of the user id (the same
  /// users from run to run, unrelated to key order). Default: 5000
  size_t max_users = 5000;
  size_t max_events_per_user = 2000;   // the newest. Default: 2000
  size_t min_user_events = 5;          // shorter users are not used. Default: 5
  double heldout_fraction = 0.2;       // each user's last share. Default: 0.2
  size_t min_heldout = 50;             // fewer held-out predictions: skipped. Default: 50
  /// Publish only if learned log loss + min_gain_nats < online log loss.
  double min_gain_nats = 0.0;          // Default: 0
  /// Apps per learned prediction when it is scored inside the online model
  /// (as the inference service's replies). Default: 16, as inference_options.
  size_t external_top_k = 16;
  size_t keep_versions = 3;            // stored versions per tenant. Default: 3
  size_t outcomes_kept = 32;           // in trainer_status::recent. Default: 32
  /// The model. Defaults differ from train_options' in three places: the
  /// pointer sees what a shard's recent_steps ring holds (128 apps), one
  /// torch thread, and a 120 s time budget per tenant. The trainer clamps
  /// window and pointer_window to what the ring holds.
  train_options model = default_model_options();

  static train_options default_model_options();
};

/// One user's launches, oldest first (apps as indices into tenant_history::apps).
struct user_history {
  struct event {
    double time_s = 0;
    uint32_t app = 0;
    uint32_t device = 0;   // device_code()
    uint64_t session = 0;
  };
  std::string user;
  std::vector<event> events;
};

struct tenant_history {
  std::vector<std::string> apps;  // distinct app names, first-seen order
  std::vector<user_history> users;
  uint64_t events = 0;
  int64_t newest_us = 0;
};

/// Reads the launches of every tenant's users (bounded by the options) from
/// the time series. Other event kinds (heartbeats, closes, requests) are not
/// app choices and are skipped.
[[nodiscard]] caf::expected<std::map<std::string, tenant_history>>
collect_history(storage::db& db, const trainer_options& opts);

class trainer {
public:
  trainer(storage::db& db, std::shared_ptr<model_registry> registry, trainer_options opts);

  /// One run over every tenant with history. `force`: ignore min_new_events.
  std::vector<train_outcome> run(bool force);

  /// Trains, scores and decides for one tenant's history (what run() does
  /// per tenant after reading storage, which took `collect_s`).
  train_outcome run_tenant(const std::string& tenant, const tenant_history& h,
                           double collect_s = 0);

  const trainer_status& status() const noexcept {
    return status_;
  }
  const trainer_options& options() const noexcept {
    return opts_;
  }

private:
  void record(const train_outcome& o);
  caf::expected<uint64_t> next_version(const std::string& tenant);

  storage::db* db_;
  std::shared_ptr<model_registry> registry_;
  trainer_options opts_;
  std::map<std::string, vocabulary> vocab_;     // per tenant, append-only
  std::map<std::string, int64_t> trained_upto_; // newest event of the last run
  trainer_status status_;
};

} // namespace prescient::learned
