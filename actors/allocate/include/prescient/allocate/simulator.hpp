// The minute-by-minute accounting of the model (see policy.hpp): cold starts
// and memory held by loaded apps that are not invoked, per app.
//
// Rules: of several invocations of an app in one minute only the first can
// be cold; an app's first invocation is always cold; an app is loaded in
// minute t iff t lies in the window returned after its latest invocation
// before t; every minute in [first_minute, last_minute] in which the app is
// loaded without an invocation wastes its memory. Minutes past the end of
// the trace are not counted (the trace does not say what happened then).
#pragma once

#include <cstdint>
#include <vector>

#include "prescient/allocate/minute_index.hpp"
#include "prescient/allocate/trace.hpp"

namespace prescient::allocate {

struct app_result {
  std::uint64_t invocations = 0;
  std::uint64_t cold_starts = 0;    ///< including the unavoidable first one
  std::uint64_t wasted_minutes = 0; ///< loaded without an invocation
  double wasted_gb_min = 0;         ///< wasted_minutes × memory (MB / 1024)
};

/// Replays one trace for any number of policy families. Building it indexes
/// the apps invoked in each minute once (see minute_index); run() is then
/// linear in invocation minutes plus the trace's span.
class simulator {
public:
  explicit simulator(const trace& t);
  /// One result per app of the trace, in the trace's order. Every app's
  /// policy is driven in global minute order (apps in trace order within a
  /// minute), so a factory's shared state never sees the future.
  std::vector<app_result> run(policy_factory& f) const;

private:
  const trace& trace_;  ///< must outlive the simulator
  minute_index index_;
};

} // namespace prescient::allocate
