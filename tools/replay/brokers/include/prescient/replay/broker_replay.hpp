// Replays a trace of the allocate model (prescient/allocate/policy.hpp)
// through the real data-center broker actors, in event time. The policies
// decide the windows; the brokers execute them:
//
//  * after an invocation in minute m answered with (PW, KA), KA > PW, the
//    app's broker gets a hold at event time m+1+PW (tenant = the app's
//    owner, user = app = the app, its memory, confidence 1, until the start
//    of minute m+1+KA), unless the app is invoked again before then (the
//    next window replaces this one, as in the model);
//  * each invocation minute is a claim at the start of that minute: a
//    grant from the hold is warm, a reactive grant is a cold start; the
//    grant is released at the end of the minute;
//  * a claim uses the hold up, so a new window never meets a live earlier
//    hold of the app and the app is loaded in exactly the new window (the
//    broker's extension of a live hold is never reached; the replay checks
//    that every hold it sent was placed as a new hold);
//  * waste is the brokers' own idle warm capacity (idle_warm_mb_s: placement
//    to claim or to expiry). The model stops counting after the trace's
//    last minute, so the replay ends by claiming every hold still live at
//    the first minute past the trace (these closing claims are not
//    invocations and are not counted as such).
//
// The brokers are configured so the model's assumptions hold: capacity for
// every app at once, the whole capacity may be held, confidence 1 clears
// any threshold, and the hold time exceeds any window. Apps are partitioned
// over the brokers by a hash of the app, so several cores work.
// Deterministic: the same trace and options give the same figures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prescient/allocate/simulator.hpp"

namespace prescient::replay {

struct broker_replay_options {
  std::uint32_t brokers = 2;  ///< broker actors the apps are partitioned over; >= 1
  std::string scratch_parent; ///< where the scratch ledger goes ("" = TMPDIR)
};

/// What the brokers did in one replay.
struct broker_replay_result {
  /// Per app, in trace order: invocations, and cold starts as the brokers
  /// served them (reactive grants). wasted_* stay 0: the brokers account
  /// waste for their data center as a whole (wasted_gb_min below).
  std::vector<allocate::app_result> per_app;
  double wasted_gb_min = 0; ///< the brokers' idle warm MB-seconds, in GB-minutes
  std::uint64_t claims = 0;           ///< one per invocation minute
  std::uint64_t grants_reactive = 0;  ///< of those claims: cold
  std::uint64_t grants_prewarmed = 0; ///< of those claims: warm
  std::uint64_t holds_placed = 0;
  std::uint64_t holds_expired = 0;
};

/// Replays `t` with the policies `f` makes. Every invocation must lie in
/// [t.first_minute, t.last_minute] (std::invalid_argument otherwise); throws
/// std::runtime_error when the actors or the scratch ledger fail.
broker_replay_result replay_through_brokers(const allocate::trace& t, allocate::policy_factory& f,
                                            const broker_replay_options& opts);

} // namespace prescient::replay
