// The warm reserve of one data center: how many unassigned warm instances
// of each app template to keep for the coming lead time.
//
// Target = claims expected over [now, now + lead) from the demand forecast
// (each 5-minute step's forecast spread evenly over its step), with the
// point forecast raised by `margin` of the distance to the upper 95% bound,
// rounded up. Two guards:
//   - live load: never below the claims of the app seen over the last lead
//     time (demand that is happening now is not scaled away because a
//     forecast says it should stop);
//   - hysteresis: the target rises at once, but falls only after it stayed
//     below the current size for `scale_in_after` evaluations in a row, and
//     then to the highest target seen meanwhile (no flapping).
// The result is capped by what the pool may hold (capacity is hard, no
// hysteresis there). Instances in use are grants and never part of it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "prescient/actors/broker_actor.hpp"
#include "prescient/wire/admin.hpp"

namespace prescient {

/// Claims expected over [now_us, now_us + lead_us) from `f`, whose steps of
/// `step_us` start at `start_us`; each step counts point + margin * (upper95
/// - point). Steps beyond the forecast count nothing.
double demand_over_lead(const demand_forecast& f, int64_t start_us, int64_t step_us,
                        int64_t now_us, int64_t lead_us, double margin);

class warm_reserve {
public:
  explicit warm_reserve(warm_reserve_options opts = {}) : opts_(opts) {
    // nop
  }

  bool enabled() const noexcept {
    return opts_.lead_us > 0;
  }

  /// Forecast steps of `step_us` from `start_us` (the forecaster's open
  /// step, which stays where the last claim was through a quiet spell)
  /// needed to cover the lead time from `now_us`; at least 1.
  int64_t horizon_steps(int64_t start_us, int64_t step_us, int64_t now_us) const noexcept {
    auto end = now_us + opts_.lead_us;
    return end <= start_us ? 1 : (end - start_us + step_us - 1) / step_us;
  }

  /// One claim of `app` at `time_us` (live load).
  void claimed(const std::string& app, int64_t time_us);

  /// Claims of `app` in (now_us - lead, now_us].
  int recent_claims(const std::string& app, int64_t now_us);

  /// The number of unassigned warm instances of `app` to keep now; at most
  /// `cap`. Call once per evaluation (hysteresis counts calls).
  int target(const std::string& app, const demand_forecast& f, int64_t start_us,
             int64_t step_us, int64_t now_us, int cap);

private:
  struct app_state {
    std::deque<int64_t> claims; ///< times within the last lead time
    int size = 0;               ///< current target, before the cap
    int below = 0;              ///< evaluations in a row below `size`
    int highest_below = 0;      ///< highest target among those
  };

  warm_reserve_options opts_;
  std::unordered_map<std::string, app_state> apps_;
};

} // namespace prescient
