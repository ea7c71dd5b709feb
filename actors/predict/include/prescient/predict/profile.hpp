// The per-user prediction model (one per user profile) and the tenant-wide
// state it shares with the other users of its tenant.
//
// Next app: a mixture of component distributions, each a chain of decayed
// count rows that backs off (Witten-Bell, see tables.hpp) from its context to
// lower orders, to the user's own app frequencies, to the tenant prior:
//
//   tenant      tenant-wide app frequencies (a new user is not empty)
//   tenant_m1   tenant-wide first-order transitions → tenant
//   freq_slow   the user's app frequencies, slow decay → tenant
//   freq_fast   the user's app frequencies, fast decay → tenant
//   m1_fast     first-order transitions, fast decay → freq_fast
//   m1_slow     first-order transitions, slow decay → freq_slow
//   m2_fast     second-order transitions, fast decay → m1_fast
//   m2_slow     second-order transitions, slow decay → m1_slow
//   hour        hour of week (hour of day x weekday/weekend, UTC) → freq_slow
//   session     device x position in the session (1st, 2nd, 3rd, 4-6th, later) → freq_slow
//   gap         previous app x time since the last event (6 log buckets) → m1_slow
//   external    optional learned model (see external_model), when it earns it
//
// The mixture weights are learned online by Bayesian model averaging with
// fixed share (Herbster & Warmuth 1998), separately for "first event of a
// session" and "inside a session"; a new user starts from the tenant's
// weights, which learn from every user. The top-1 confidence is calibrated by
// the tenant's online isotonic calibrator (calibration.hpp); the remaining
// probabilities are rescaled so the distribution still sums to the same mass.
//
// Sessions: a new session starts when the session id changes, or after 30
// minutes without events (the usual web-analytics rule) when ids are absent.
//
// Footprint (a model lives in every resident profile): the fast and slow
// variants of m1 and of m2 share one table (same contexts and apps, one count
// per decay rate); counts are half precision; each context table is one flat
// array plus small row headers, bounded in rows (eviction by age-discounted
// count) and apps per row. A heavy interactive user is ~15 KB resident
// (~8 KB serialized), a light one ~1.4 KB, most of it the fixed object.
// Cost: score() is linear in the candidates (hash-indexed, no per-candidate
// tenant hash lookup) and observe() reuses the scored prediction.
#pragma once

#include <array>
#include <memory>
#include <unordered_map>
#include <vector>

#include "prescient/predict/activity.hpp"
#include "prescient/predict/calibration.hpp"
#include "prescient/predict/tables.hpp"
#include "prescient/predict/timing.hpp"
#include "prescient/predict/usage.hpp"

namespace prescient::predict {

enum component : int {
  c_tenant, c_tenant_m1, c_freq_slow, c_freq_fast, c_m1_fast, c_m1_slow,
  c_m2_fast, c_m2_slow, c_hour, c_session, c_gap, c_external, component_count
};
inline constexpr int online_components = c_external;  ///< all but the external one
const char* component_name(int k);

/// What is known when the next app is predicted: the moment, the device and
/// the session the user is in (the app is what we predict).
struct query {
  double time_s = 0;
  std::uint32_t device = 0;
  std::uint32_t session = 0;
};

/// A learned model provided from outside (e.g. an LSTM on recent sequences).
/// It is consulted only for users where it beat the online mixture on their
/// recent held-out (predicted-before-learned) events.
struct external_query {
  const query& q;
  const app_id* recent;        ///< the user's last apps, oldest first
  std::size_t n_recent;
  double last_time_s;          ///< time of the user's last event (0: none)
};
class external_model {
public:
  virtual ~external_model() = default;
  virtual const char* name() const = 0;
  /// Probabilities of the apps it considers (sum <= 1; absent apps ~ 0).
  /// Must be thread-compatible and cheap; it runs on every prediction.
  virtual void predict(const external_query& q, std::vector<scored_app>& out) const = 0;
};

/// Tenant-wide shared state: priors for new users, the calibrator, timing.
class tenant_model {
public:
  tenant_model();
  void save(std::string& out) const;
  bool load(std::string_view in);

  double prior(app_id a) const;  ///< tenant frequency (escape mass excluded)
  const calibrator& calib() const { return calib_; }

private:
  friend class user_model;
  void learn(app_id prev, app_id a);
  float freq_of(app_id a) const {
    if (a < freq_.size()) return freq_[a];
    auto it = freq_big_.find(a);
    return it == freq_big_.end() ? 0.0f : it->second;
  }
  // app frequencies: dense by app id (ids are the tenant's small integers),
  // a map for the rare huge id; n_apps_ = apps with a count
  std::vector<float> freq_;
  std::unordered_map<app_id, float> freq_big_;
  std::size_t n_apps_ = 0;
  double freq_total_ = 0;
  std::vector<app_id> top_;  // most frequent apps, refreshed periodically
  std::uint64_t updates_ = 0;
  std::unordered_map<app_id, decayed_row> trans_;
  std::array<std::array<double, component_count>, 2> weights_;
  calibrator calib_;
  tenant_timing timing_;
  tenant_usage usage_;
};

/// Resolved context rows of one query (valid until the model changes).
struct resolved_query {
  enum row_index { r_tm1, r_fs, r_ff, r_m1f, r_m1s, r_m2f, r_m2s, r_hour, r_sess, r_gap, row_count };
  std::array<row_view, row_count> rows{};
  int regime = 0;  ///< 0: first event of a session, 1: inside a session
  std::uint64_t keys[row_count] = {};
};

/// Everything computed for one prediction: per-component and mixture
/// probabilities over the candidate apps. Reused across calls (no allocation
/// once warm).
struct scored_set {
  resolved_query rq;
  std::vector<app_id> cand;                 ///< candidate apps, sorted by id
  std::vector<double> comp;                 ///< component_count x cand.size()
  std::vector<double> mix;                  ///< raw mixture per candidate
  std::vector<std::uint32_t> order;         ///< candidate indices; the first `sorted` are
                                            ///< the best, in order (ties: smaller app id)
  std::size_t sorted = 0;
  std::array<double, component_count> w{};  ///< weights used (0 = inactive)
  std::vector<scored_app> ext;              ///< external model output (if used)
  bool ext_used = false;
  double raw_conf = 0, conf = 0;            ///< top-1 raw / calibrated

  double p(int k, std::size_t c) const { return comp[std::size_t(k) * cand.size() + c]; }
};

class user_model {
public:
  user_model();

  /// Scores every candidate under every component and the mixture.
  void score(const tenant_model& t, const query& q, scored_set& s,
             const external_model* ext = nullptr) const;
  /// Probability of `a` under component k (or the raw mixture for k < 0)
  /// for a scored query; works for apps outside the candidates.
  double prob(const tenant_model& t, const scored_set& s, int k, app_id a) const;
  /// Calibrated probability of `a` under the production model.
  double calibrated_prob(const tenant_model& t, const scored_set& s, app_id a) const;
  /// Calibrated top-k next apps and the 80% time window for the next launch.
  next_app_prediction predict(const tenant_model& t, const query& q, std::size_t k,
                              const external_model* ext = nullptr) const;

  /// Learns one event. `made`: the scored prediction made for this event
  /// (pass it when you have it; otherwise it is computed here).
  void observe(tenant_model& t, const event& e, const usage* u = nullptr,
               const scored_set* made = nullptr, const external_model* ext = nullptr);

  /// Learns the measured usage of one run of `a` that is not itself a
  /// launch (e.g. the summary sent when the app closes).
  void observe_usage(tenant_model& t, app_id a, const usage& u);

  time_window next_window(const tenant_model& t) const { return timing_.next_window(t.timing_); }
  time_window reuse_window(app_id a) const { return timing_.reuse_window(a); }
  /// Usage quantiles of an app: the user's own, else the tenant's; n = 0 if none.
  quantiles3 usage_of(const tenant_model& t, app_id a, metric m) const;
  const activity_model& activity() const { return activity_; }
  const launch_timing& timing() const { return timing_; }
  std::array<double, component_count> weights(int regime) const;
  bool external_in_use() const;

  void save(std::string& out) const;
  bool load(std::string_view in);
  /// Approximate resident bytes (heap included).
  std::size_t memory_bytes() const;

private:
  resolved_query resolve(const tenant_model& t, const query& q) const;
  void keys_of(const query& q, resolved_query& rq) const;
  void chain(const tenant_model& t, const resolved_query& rq, const double* cnt, double tp,
             double* out) const;
  void counts_of(const resolved_query& rq, app_id a, double* cnt) const;

  decayed_row freq_slow_, freq_fast_;
  flat_table<2> m1_, m2_;  // channels: fast, slow decay (same contexts)
  flat_table<1> hour_, sess_;
  flat_table<1, true> gap_;
  std::array<std::array<float, component_count>, 2> w_{};  // per regime (float: resident)
  bool w_init_ = false;
  static constexpr int recent_max = 8;
  std::array<app_id, recent_max> recent_{};  // oldest first
  std::uint8_t n_recent_ = 0;
  double last_time_ = 0;
  std::uint32_t last_session_ = 0, last_device_ = 0;
  std::uint32_t pos_ = 0;  // position of the last event in its session
  float ext_loss_ = 0, mix_loss_ = 0;
  std::uint32_t ext_n_ = 0;
  launch_timing timing_;
  usage_model usage_;
  activity_model activity_;
};

} // namespace prescient::predict
