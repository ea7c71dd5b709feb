// The baseline policies every allocation result is compared with, in the
// same run: no pre-warming (reactive), a fixed keep-alive, and the hybrid
// histogram policy of Shahrad et al. (USENIX ATC 2020).
#pragma once

#include <memory>

#include "prescient/allocate/policy.hpp"

namespace prescient::allocate {

/// Fixed keep-alive: (0, minutes) after every invocation. minutes = 0 is
/// `reactive` (never keep anything loaded). REQUIRES: minutes >= 0.
std::unique_ptr<policy_factory> make_fixed_keepalive(int minutes);

/// The hybrid histogram policy's parameters; the defaults are the paper's.
struct hybrid_params {
  int range = 240;             ///< histogram range in 1-minute bins. Default: 4 h
  double head = 5;             ///< pre-warm percentile. Default: 5th
  double tail = 99;            ///< keep-alive percentile. Default: 99th
  double margin = 0.10;        ///< PW shrunk and KA grown by this share. Default: 10%
  int min_samples = 10;        ///< in-range idle times for a representative histogram
  double min_cv = 2;           ///< bin-count coefficient of variation for that
  double oob_share = 0.5;      ///< above this share of idle times >= range: time series
  double ts_margin = 0.15;     ///< time-series branch: PW −15%, KA +15%
};

/// Hybrid histogram, per app, online. After an invocation in minute m the
/// idle time since the previous one (empty minutes between them) joins the
/// app's history, then:
///  * more than `oob_share` of all idle times >= range: predict the next idle
///    time p with the time-series predictor (idle_predictor.hpp) and answer
///    (floor((1−ts_margin)·p), ceil((1+ts_margin)·p));
///  * else, with fewer than `min_samples` in-range idle times or a
///    population CV of the `range` bin counts below `min_cv`: (0, range);
///  * else, with h and t the head and tail percentiles of the in-range idle
///    times (nearest rank): PW = floor((1−margin)·h), the lower edge of h's
///    1-minute bin less 10%; KA = ceil((1+margin)·(t+1)), the upper edge of
///    t's bin plus 10% (so that an idle time of t is covered: idle time i
///    is served warm iff PW <= i < KA).
/// After the app's first invocation (no idle time yet): (0, range).
std::unique_ptr<policy_factory> make_hybrid_histogram(hybrid_params p = {});

} // namespace prescient::allocate
