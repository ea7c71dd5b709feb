// State of a shard actor (private): its resident profiles, the chunks that
// wait for the next checkpoint, and its write-ahead log position.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "prescient/actors/messages.hpp"
#include "prescient/actors/shard_actor.hpp"
#include "prescient/storage/db.hpp"
#include "prescient/predict/scoreboard.hpp"
#include "anomaly_log.hpp"
#include "profile.hpp"
#include "prescient/actors/ring.hpp"
#include "tenant_models.hpp"

namespace prescient {

class shard_state {
public:
  static inline const char* name = "shard";

  void init(storage::db* db, shard_options opts);

  /// Replays the log records written after the last checkpoint.
  caf::error recover();

  /// Logs and applies one batch; returns the number of events applied.
  caf::expected<uint32_t> ingest(const event_batch& events);

  /// Writes every unsaved chunk and profile, truncates the log, then drops
  /// profiles idle past the watermark. Returns the events made durable in
  /// chunks by this call.
  caf::error checkpoint();

  void tick(int64_t watermark_us);

  caf::expected<user_summary> summary(const std::string& tenant,
                                      const std::string& user);

  caf::error erase(const std::string& tenant, const std::string& user);

  /// The shard's users (those `ring` maps to this shard) with stored
  /// events, after a checkpoint: what a copy to a new owner of the shard
  /// reads, a few users at a time (shard_snapshot.cpp).
  caf::expected<user_refs> copy_users(const shard_ring& ring);

  /// Every stored event of `users`, each user's in time order.
  caf::expected<event_batch> copy_events(const user_refs& users);

  /// Applies the events of a copy that this shard does not hold yet (same
  /// user, device, time, app and kind; counted, so repeats stay repeats):
  /// a copy is idempotent, whatever the node kept from an earlier
  /// ownership of the shard or received live meanwhile. Returns the number
  /// applied.
  caf::expected<uint32_t> ingest_copy(const event_batch& events);

  shard_stats stats() const;

  /// Up to `limit` of the latest anomalies of this shard's users, newest
  /// first (kept in a bounded ring; see anomaly_watch.hpp).
  std::vector<anomaly> anomalies(size_t limit) const {
    return anomalies_.recent(limit);
  }

  /// The serialized scoreboard (empty unless scoring predictions).
  std::string scores() const;

  const shard_options& options() const noexcept {
    return opts_;
  }
  /// Hold requests made by the last ingest (to send now).
  std::vector<hold_request> take_hold_requests();
  /// Hold requests go to `router` from now on.
  void connect(caf::actor router) {
    router_ = std::move(router);
    holds_wanted_ = static_cast<bool>(router_);
    flags_sent_ = anomalies_.flagged(); // those of the recovery are old news
  }
  /// Users flagged since the last call, for the router (which throttles
  /// them where the tenant's policy says so).
  std::vector<anomaly> take_new_flags() {
    return anomalies_.since(flags_sent_);
  }
  const caf::actor& router() const noexcept {
    return router_;
  }
  /// Inference requests made by the last ingest (to send now).
  std::vector<learned::infer_request> take_inference_requests();
  /// A reply to one of them (or its failure: nullopt) for `user_key`.
  void inference_done(uint64_t user_key, learned::sparse_prediction* reply);

private:
  static std::string key_of(std::string_view tenant, std::string_view user);

  /// The resident profile of the user, activated from storage if needed.
  caf::expected<profile*> activate(std::string_view tenant,
                                   std::string_view user);

  /// Activates the profile of every event and, where the event teaches
  /// the user's model, the model and its tenant state.
  caf::error activate_all(const event_batch& events);
  void apply(const event_batch& events);
  void passivate_idle();
  /// Frees the models of the least recently active users until the
  /// resident ones fit the budget. REQUIRES: every model is clean.
  void fit_model_budget();
  /// After a use: a hold request for the user's most likely next use, when
  /// it is confident enough to be worth a data center's look.
  void request_hold(const usage_event& e, const profile& p,
                    const tenant_models::tenant& t);
  /// A closed run above its app's p99 (before the model learns it).
  void watch_close(const usage_event& e, const profile& p,
                   const tenant_models::tenant& t);
  void add_predictions(
    const predict::user_model& m, const tenant_models::tenant& t,
    const std::map<std::string, std::pair<int64_t, std::string>>& last_device,
    user_summary& out);

  storage::db* db_ = nullptr;
  shard_options opts_;
  std::unordered_map<std::string, profile> profiles_;
  std::unique_ptr<tenant_models> tenants_;
  predict::scored_set scratch_; // reused by every prediction
  std::unique_ptr<predict::scoreboard> board_;
  size_t board_first_ = 0;
  uint64_t model_bytes_ = 0;
  uint64_t models_reset_ = 0;
  std::vector<learned::infer_request> infer_out_; ///< made, not yet sent
  struct pending_inference {
    std::string profile; ///< key of the profile the replies are for
    uint32_t out = 0;    ///< requests of that profile not yet answered
  };
  std::unordered_map<uint64_t, pending_inference> infer_pending_; ///< by user key
  uint32_t infer_in_flight_ = 0; ///< requests made and not yet answered
  uint64_t inference_requests_ = 0;
  uint64_t inference_replies_ = 0;
  uint64_t learned_uses_ = 0;
  bool recovering_ = false; ///< no inference while replaying the log
  bool holds_wanted_ = false;
  uint64_t flags_sent_ = 0; // anomalies_.flagged() when last passed on
  caf::actor router_;
  std::vector<hold_request> holds_out_;
  anomaly_log anomalies_;
  uint64_t holds_requested_ = 0;
  size_t resident_models_ = 0; ///< exact after a checkpoint, then counts loads
  size_t model_limit_ = 0;     ///< models that fit the budget (by mean size)
  sealed_chunks sealed_;
  uint64_t last_seq_ = 0;
  uint64_t log_bytes_ = 0; // since the last checkpoint
  uint64_t events_applied_ = 0;
  int64_t watermark_us_ = 0;
  bool unsaved_ = false;
  std::chrono::steady_clock::time_point last_checkpoint_;
};

} // namespace prescient
