// State of a broker (private): capacity in use, the live grants and holds.
#pragma once

#include <map>
#include <optional>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/typed_response_promise.hpp>

#include "prescient/actors/broker_actor.hpp"
#include "anomaly_log.hpp"
#include "demand_tracker.hpp"
#include "prewarm_threshold.hpp"
#include "warm_reserve.hpp"
#include "prescient/storage/db.hpp"

namespace prescient {

/// How a claim is answered: with its grant or why not, at once or when its
/// instance is ready (a response promise for one claim, a join for a batch).
using grant_answer = std::function<void(caf::expected<grant>)>;

class broker_state {
public:
  static inline const char* name = "broker";

  void init(storage::db* db, data_center_spec spec, broker_provider provider);

  /// Reads the ledger: every grant that was never released is still out;
  /// then reconciles it with the provider's instances (broker_provider).
  caf::error restore();

  /// Answers at once, or when the claim's instance is ready.
  void claim(const resource_request& r, grant_answer answer);
  hold_reply hold(const hold_request& r);
  /// Event time advanced: expired holds are released.
  void tick(int64_t now_us);
  caf::error release(const std::string& tenant, const std::string& user,
                     const std::string& instance);
  broker_stats stats() const;
  data_center_forecast forecast(int horizon_steps) const;
  /// Up to `limit` of the latest demand steps outside the forecast,
  /// newest first.
  std::vector<anomaly> anomalies(size_t limit) const {
    return anomalies_.recent(limit);
  }

  /// A live provider: microseconds until poll() is next useful, if ever.
  std::optional<int64_t> poll_delay_us() const;
  /// A live provider: handles what became ready or failed.
  void poll_live();

  /// The demand forecasters' refits (see demand_tracker).
  demand_tracker& demand() noexcept {
    return demand_;
  }

private:
  struct live_grant {
    std::string tenant;
    std::string user;
    std::string app;
    resource_vector resources;
    int64_t time_us = 0;
  };

  /// A hold for a predicted user, or a reserve instance (tenant and user
  /// empty, never expires by time).
  struct live_hold {
    live_grant what;       ///< who, which app, what resources, when placed
    int64_t expires_us = 0;
    double confidence = 0;
    // Not in the ledger: decided again when restored.
    bool spot = false;
    double price = 0; ///< per core-hour
    int32_t priority = 0; ///< the tenant's (0 after a restart)
  };

  /// A claim whose instance (granted in the ledger) is not handed over yet.
  struct waiter {
    resource_request request;
    grant_answer answer;
    int64_t since_us = 0; ///< provider time when it started waiting
    bool warm = false;    ///< a hold's instance: a failure falls back to cold
  };

  std::string ledger_key(const std::string& instance) const;
  std::string hold_key(const std::string& instance) const;
  static std::string encode(const live_grant& g);
  static bool decode(std::string_view in, live_grant& g);
  static std::string encode(const live_hold& h);
  static bool decode(std::string_view in, live_hold& h);
  std::string next_instance();
  /// Accounts a grant whose ledger entry is written (and its demand).
  void admit(std::string instance, live_grant g, bool count_demand);
  /// Erases one ledger entry; a failed write is logged (restore reconciles it).
  void erase_entry(const std::string& key);
  /// Erases a grant (ledger and capacity) whose instance is gone.
  void drop_grant(const std::string& instance);
  /// Erases a hold (ledger and capacity) whose instance is gone.
  void drop_hold(const std::string& instance);

  // -- the provider (broker_instances.cpp) ---------------------------------
  int64_t provider_now() const;
  providers::app_template template_for(const std::string& app,
                                       const resource_vector& r) const;
  /// The reactive path: a ledger entry and a cold instance, answered when ready.
  /// `fresh`: a new claim (false: a warm instance failed under it, its demand is counted).
  void claim_cold(const resource_request& r, grant_answer answer,
                  bool fresh = true);
  /// Answers the claim now if its instance is ready, else later.
  void wait_for(const std::string& instance, waiter w);
  /// Hands the waiting claim's instance over; false while it is not ready.
  bool try_hand_over(const std::string& instance, int64_t at);
  /// Event time: advances the simulated provider until `instance` resolves.
  void jump(const std::string& instance);
  void on_events(const std::vector<providers::provider_event>& events, int64_t at);
  void instance_failed(const std::string& instance, const std::string& why);
  void release_instance(const std::string& instance);
  void reconcile();
  void flag_demand(const demand_tracker::outlier& o);
  double utilisation() const;
  /// The user's hold for `app`, else any hold of the user; nullptr if none.
  std::unordered_map<std::string, live_hold>::iterator
  find_hold(const std::string& tenant, const std::string& user, const std::string& app);
  static std::string user_key(const std::string& tenant, const std::string& user);
  /// Adds a hold to holds_ and to its user's list (no ledger, no instance).
  void index_hold(std::string instance, live_hold h);
  void forget_hold(std::unordered_map<std::string, live_hold>::iterator i);
  /// Records a new hold (ledger first), priced spot or on-demand for its window.
  caf::error keep_hold(std::string instance, live_hold h);
  void price_hold(live_hold& h) const;
  /// Releases an unclaimed hold now (ledger first); false if it stays.
  bool drop_hold(std::unordered_map<std::string, live_hold>::iterator i);
  /// Frees room in a full reserve for `r` (see hold_request::priority).
  bool displace_for(const hold_request& r);
  /// Idle warm time of `h` from placement to `until_us` (its claim or
  /// expiry): counted and priced.
  void account_idle(const live_hold& h, int64_t until_us);
  double threshold() const;
  /// A reserve instance of `app`; holds_.end() if none.
  std::unordered_map<std::string, live_hold>::iterator find_pool(const std::string& app);
  /// Brings the warm reserve to its target (at most once per event minute).
  void replenish();
  bool within_reserve(const hold_request& r) const;
  bool fits(const resource_vector& r) const;
  void add(const resource_vector& r, double sign);

  storage::db* db_ = nullptr;
  std::unique_ptr<providers::provider> provider_;
  std::map<std::string, providers::app_template> apps_;
  std::function<int64_t()> clock_; ///< set: live provider
  bool reconcile_ = false;
  std::unordered_map<std::string, waiter> waiting_; // by instance
  data_center_spec spec_;
  resource_vector used_;
  std::unordered_map<std::string, live_grant> grants_; // by instance id
  std::unordered_map<std::string, live_hold> holds_;   // by instance id
  /// Instance ids of holds_ by user_key(): claims find a user's hold
  /// without a scan of every hold (a replay holds tens of thousands).
  std::unordered_map<std::string, std::vector<std::string>> holds_of_;
  resource_vector held_;                               // sum over holds_
  std::unordered_map<std::string, double> held_cpu_;   // by tenant
  prewarm_threshold threshold_;
  int64_t now_us_ = 0; // event time: the latest seen
  uint64_t next_instance_ = 1;
  broker_stats counters_;
  storage::write_batch batch_;
  demand_tracker demand_;
  anomaly_log anomalies_;
  warm_reserve reserve_;
  int64_t next_replenish_us_ = 0;
  std::unordered_map<std::string, resource_vector> app_size_; // latest claim per app
};

} // namespace prescient
