// Prescient's keep-alive / pre-warm policy: per app, the window that
// minimises the expected cost of the next idle time,
//
//   cost(PW, KA) = c · P(cold) + E[minutes loaded without an invocation]
//                = c + Σ_{PW <= j < KA} (P(idle > j) − c · P(idle = j)),
//
// where c is what a cold start is worth in minutes of this app's memory
// (`cold_start_gb_min` / its memory in GB, so that across apps the policy
// spends memory where it buys the most avoided cold starts). The minimising
// window is the minimum-sum run of that sum, found in one pass over the
// support of the predicted distribution (Kadane), so any shape is handled:
// an exact timer period gives a one-minute window at the period, a burst a
// short keep-alive, scattered idle times no window at all.
//
// The predicted idle-time distribution mixes
//  * what followed an idle time like the latest one (buckets exact below 8
//    minutes, ~15% wide beyond): many apps run a cycle of a few idle times
//    (a timer and a follow-up a minute later: 1, 28, 1, 28...), and after a
//    28 the next is 1, not "1 or 28";
//  * the app's own idle times with exponential decay (recent behaviour
//    counts more; an app whose period changes adapts within a few periods),
//    plus a little of the same moved a minute either way (minute binning
//    moves a timer by a minute now and then);
//  * a prior while the app has little history (fewer than `prior_until`
//    idle times): the first idle times of the owner's other apps (an
//    owner's apps tend to be deployed alike) and of all apps with the same
//    trigger type (timer apps are periodic, http apps bursty), pooled
//    online, so only the past is used; and, always, a weak log-uniform prior over
//    0..horizon, which early in a trace stands for the long idle times no
//    pool has had the time to see yet.
// Idle times beyond `horizon` are never worth covering and count as such.
// Time of day and the co-firing of an owner's apps are not used yet.
//
// Cost: a decision is linear in the number of distinct idle times in the
// parts; a busy app keeps its window until an idle time of a new length
// arrives or `refresh` idle times have passed.
//
// `cold_start_gb_min` is the trade-off knob: larger avoids more cold starts
// for more memory; `prescient-replay allocate --sweep` traces its curve.
#pragma once

#include <memory>

#include "prescient/allocate/policy.hpp"

namespace prescient::allocate {

struct prescient_params {
  /// GB-minutes of idle memory one avoided cold start is worth. Default: 40
  double cold_start_gb_min = 40;
  /// Weight of an idle time for every newer one. Default: 0.99 (half-life ≈ 69)
  double decay = 0.99;
  /// Pseudo-observations given to the pooled prior. Default: 2
  double prior_weight = 2;
  /// Pseudo-observations given to a broad log-uniform prior. Default: 0.5
  double broad_weight = 0.5;
  /// Pseudo-observations of the app's idle times moved a minute either way. Default: 0.5
  double jitter_weight = 0.5;
  /// Pseudo-observations before what followed a similar idle time dominates. Default: 2
  double context_weight = 2;
  /// The first idle times of each app that feed the pooled priors. Default: 8
  int prior_samples = 8;
  /// The priors are left out once the app has this many idle times. Default: 16
  int prior_until = 16;
  /// A busy app's window is recomputed after this many idle times, or when
  /// an idle time of a new length arrives. Default: 8
  int refresh = 8;
  /// Idle times (minutes) at or beyond this are never kept warm. Default: 1 day
  int horizon = 1440;
};

/// The `prescient` policy family; its factory holds the pooled priors.
std::unique_ptr<policy_factory> make_prescient(prescient_params p = {});

} // namespace prescient::allocate
