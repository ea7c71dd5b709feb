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
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <caf/error.hpp>

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

  /// Learns one event of the user. `device`: the profile's small id of the
  /// event's device (1-based). REQUIRES: resident().
  void observe(tenant_models::tenant& t, const usage_event& e, uint32_t device,
               predict::scored_set& scratch, const scoring* score = nullptr);

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
  std::unique_ptr<predict::user_model> model_;
  bool dirty_ = false;
  predict::use_filter uses_;
};

} // namespace prescient
