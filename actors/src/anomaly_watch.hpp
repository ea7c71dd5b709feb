// Anomalies of one user, judged against what the user's profile already
// knows (README: How it works, Anomalies). Three kinds:
//
//   unusual_app        a use the model gave a calibrated probability below
//                      `app_floor`, while it was confident about the user's
//                      habits (top-1 confidence >= `habit_confidence`, after
//                      `min_history` events): a user who always does the
//                      same few things did something else;
//   unusual_resources  a closed run whose cpu or memory exceeds the app's
//                      p99 for this user (the tenant's while the user has
//                      none: user_model::usage_of) by `resource_margin`,
//                      once the p99 rests on `min_samples` runs;
//   request_burst      uses in the last minute (a count decayed over a
//                      minute) above max(`burst_floor`, `burst_factor` x the
//                      user's expected uses per minute, from the activity
//                      model's decayed events per day); flagged once per
//                      burst, re-armed when the rate falls below half.
//
// The watch costs 16 bytes per resident profile and O(1) per event. It
// lives in memory only: after passivation the burst rate starts from zero,
// which can only delay a flag, never invent one.
#pragma once

#include <cstdint>

#include "anomaly_log.hpp"
#include "prescient/predict/profile.hpp"
#include "prescient/wire/event.hpp"

namespace prescient {

struct anomaly_thresholds {
  static constexpr double app_floor = 0.01;
  static constexpr double habit_confidence = 0.3; ///< as prewarming's lowest threshold
  static constexpr uint64_t min_history = 50;
  static constexpr double resource_margin = 1.5;
  static constexpr uint32_t min_samples = 20;
  static constexpr double burst_floor = 10;
  static constexpr double burst_factor = 5;
};

/// What the model said about a use before learning it.
struct use_outlook {
  double probability = 1; ///< calibrated probability of the app used
  double confidence = 0;  ///< calibrated probability of the model's top app
  uint64_t history = 0;   ///< the user's events so far
  double per_day = 0;     ///< the user's expected uses per day
};

class anomaly_watch {
public:
  /// A use of `e.app`: flags an unusual app and the start of a burst.
  void use(const usage_event& e, const use_outlook& o, anomaly_log& log);

  /// A close: flags a run above the app's p99 (`app`: its id in the
  /// tenant's dictionary). Call before the model learns the run, so the
  /// spike is judged against the quantiles without it.
  static void close(const usage_event& e, const predict::user_model& m,
                    const predict::tenant_model& t, predict::app_id app,
                    anomaly_log& log);

private:
  int64_t last_use_us_ = 0;
  float recent_ = 0;      ///< uses, decayed over a minute
  bool in_burst_ = false; ///< flagged; re-armed below half the threshold
};

// Every resident profile carries one: keep it within the budget above.
static_assert(sizeof(anomaly_watch) <= 16, "anomaly_watch grew past 16 bytes");

} // namespace prescient
