// Keep-alive / pre-warm policies, one object per app, driven online in event
// time (the model of Shahrad et al., USENIX ATC 2020).
//
// Time is in whole minutes. After an invocation in minute m a policy answers
// with a window (PW, KA): the app is loaded in minutes m+1+j for
// PW <= j < KA, i.e. it is unloaded right after minute m, loaded again at
// m+1+PW ("pre-warm") and unloaded after m+KA ("keep-alive"). A fixed
// keep-alive of K minutes is (0, K); never keeping anything warm is (0, 0).
// The next invocation replaces the window. An invocation in a minute in
// which the app is not loaded is a cold start.
//
// A policy sees only the app's own invocation minutes, one by one and in
// increasing order, plus whatever its factory shares between apps (which
// the simulator and a broker feed strictly in event time): it never sees
// the future. A data-center broker can host one policy per app and apply
// each window as it is returned.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace prescient::allocate {

/// Minutes since any fixed origin (the trace's, or the epoch's).
using minute_t = std::int64_t;

/// The answer after an invocation in minute m: loaded in minutes m+1+j for
/// prewarm <= j < keepalive. keepalive <= prewarm means "not loaded".
struct window {
  int prewarm = 0;   ///< minutes; >= 0
  int keepalive = 0; ///< minutes; the window ends after minute m+keepalive
  friend bool operator==(const window& a, const window& b) {
    return a.prewarm == b.prewarm && a.keepalive == b.keepalive;
  }
};

/// What is known about an app before it runs (deployment metadata).
struct app_info {
  std::uint32_t owner = 0;  ///< dense owner id; apps of one owner share it
  std::string trigger;      ///< e.g. "timer", "http", "http+timer"; "" unknown
  double memory_mb = 0;     ///< memory while loaded (AverageAllocatedMb)
};

/// One app's policy. Not thread-safe; one caller at a time.
class policy {
public:
  virtual ~policy() = default;
  /// The app was invoked `count` (>= 1) times in `minute`; minutes arrive in
  /// strictly increasing order. Returns the window that follows `minute`.
  virtual window on_invocation(minute_t minute, std::uint64_t count) = 0;
};

/// Makes the per-app policies of one policy family and owns what they share
/// (e.g. priors pooled over apps). Apps must be driven in event time across
/// all apps of one factory so that nothing shared leaks the future, and from
/// one thread at a time (the policies of one factory share state). The
/// factory must outlive its policies.
class policy_factory {
public:
  virtual ~policy_factory() = default;
  /// A fresh policy for an app with this metadata.
  virtual std::unique_ptr<policy> make(const app_info& app) = 0;
};

} // namespace prescient::allocate
