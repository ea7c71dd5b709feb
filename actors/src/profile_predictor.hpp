// The prediction side of a user profile: the user's online model
// (prescient::predict::user_model: next app, launch timing, usage quantiles,
// activity and latency sensitivity), learned from every event in order.
//
// The model has its own blob in storage (profile_part::model) and its own
// memory budget: a light user's model takes ~1.5 KB and a heavy one's
// ~15 KB, more than the rest of a resident profile, so a shard keeps models
// resident only within its budget, most recently active first, and reloads
// an evicted one on the user's next event (a point read, like activation).
//
// What an event teaches:
//   launch, request  a use of the app (the target of next-app prediction),
//                    except a launch paired with the request before it
//                    (predict/uses.hpp);
//   close            the run's measured usage (resource quantiles);
//   heartbeat        nothing (samples while running; close summarises them).
//
// The learned model (actors/learned), where the tenant has one, is the
// online model's external component: after each use the profile asks the
// inference service for its distribution over the next app, from the
// user's recent steps; the reply is used at the next use if it is still for
// that position (the user model gates it per user on held-out loss). The
// recent steps (~420 bytes) exist only while the tenant has a model.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <caf/error.hpp>

#include "prescient/learned/external_adapter.hpp"
#include "prescient/learned/recent_steps.hpp"
#include "prescient/predict/profile.hpp"
#include "prescient/predict/scoreboard.hpp"
#include "prescient/predict/uses.hpp"
#include "prescient/wire/event.hpp"
#include "tenant_models.hpp"

namespace prescient {

namespace storage {
class db;
class write_batch;
} // namespace storage

class profile_predictor {
public:
  /// Where a replay collects the score of every prediction (see
  /// predict/scoreboard.hpp): the board and the index of its first online
  /// model ("mixture" and "prescient" follow the components).
  struct scoring {
    predict::scoreboard* board = nullptr;
    size_t first = 0;
    bool components = true;
  };

  /// True if the event teaches the model anything (see above).
  static bool teaches(const usage_event& e) noexcept;

  /// Makes the model resident: loads it from storage, or starts a new one
  /// (also when the stored blob is unreadable or from another dictionary;
  /// `reset` is then set). Fails only when storage cannot be read.
  caf::error load(storage::db& db, std::string_view tenant,
                  std::string_view user, const tenant_models::tenant& t,
                  bool* reset = nullptr);

  struct observed {
    bool used = false;         ///< the event was a use (and was learned)
    bool learned_used = false; ///< the use was predicted with a fresh learned reply
    bool request = false;      ///< an inference request was written
    /// For a use, what the model said before learning it (anomalies):
    double probability = 1; ///< calibrated probability of the app used
    double confidence = 0;  ///< calibrated probability of its top app
  };

  /// Learns one event of the user. `device`: the profile's small id of the
  /// event's device (1-based). `learned`: the tenant's current learned
  /// model, if any; with `request` set, and when the event was a use, the
  /// inference request for the next use is written there. REQUIRES:
  /// resident().
  observed observe(tenant_models::tenant& t, const usage_event& e, uint32_t device,
               predict::scored_set& scratch, const scoring* score = nullptr,
               learned::app_translation* learned = nullptr,
               learned::infer_request* request = nullptr);

  /// Keeps an inference reply if it is for the user's current position.
  void cache(learned::sparse_prediction&& reply);

  /// Writes the model if it changed since the last checkpoint.
  void checkpoint(storage::db& db, storage::write_batch& batch,
                  std::string_view tenant, std::string_view user,
                  const tenant_models::tenant& t);
  void mark_clean() noexcept {
    dirty_ = false;
  }

  /// Frees the model. REQUIRES: !dirty() (it was just written).
  void evict() noexcept {
    model_.reset();
    learned_.reset();
  }

  bool resident() const noexcept {
    return model_ != nullptr;
  }
  bool dirty() const noexcept {
    return dirty_;
  }
  const predict::user_model* model() const noexcept {
    return model_.get();
  }
  size_t memory_bytes() const;

  /// The model as stored, for a user whose model is not resident (nullptr
  /// if none or unreadable).
  static std::unique_ptr<predict::user_model>
  read(storage::db& db, std::string_view tenant, std::string_view user,
       const tenant_models::tenant& t, caf::error& err);

private:
  struct learned_state {
    learned::recent_steps ring;
    learned::sparse_prediction reply;
    bool has_reply = false;
  };

  std::unique_ptr<predict::user_model> model_;
  std::unique_ptr<learned_state> learned_; // only while the tenant has a model
  predict::use_filter uses_;
  bool dirty_ = false; // after uses_: no padding between them
};

} // namespace prescient
