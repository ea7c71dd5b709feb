// Failure detection by phi accrual (Hayashibara et al., "The phi accrual
// failure detector", SRDS 2004): instead of a yes/no timeout, a suspicion
// level phi = -log10(P(a heartbeat arrives later than now)), from the
// distribution of the heartbeat intervals seen so far. phi = 1 means a 10%
// chance that the peer is fine and merely late, phi = 8 one in 10^8.
//
// Why not a fixed timeout: heartbeats over a loaded 2-core machine or a
// long-haul link arrive with jitter that a fixed timeout must either
// tolerate (slow detection everywhere) or not (false suspicions on the slow
// links). Phi adapts to each peer's own history: a steady peer is suspected
// soon after its heartbeats stop, a jittery one later.
//
// The normal distribution's tail is approximated with a logistic function
// (as Akka and Cassandra do); intervals have a floor on their standard
// deviation, so a perfectly regular peer is not suspected one millisecond
// after its usual time. Times are microseconds of a monotonic clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace prescient::cluster {

class phi_accrual {
public:
  struct settings {
    std::size_t window = 200;            ///< intervals remembered
    int64_t min_std_us = 100'000;        ///< floor of the deviation: 100 ms
    int64_t acceptable_pause_us = 0;     ///< added to the mean (GC, scheduler)
    int64_t first_interval_us = 500'000; ///< assumed before two heartbeats
  };

  phi_accrual() = default;
  explicit phi_accrual(settings s) : s_(s) {}

  /// A heartbeat arrived at `now_us`.
  void heartbeat(int64_t now_us);

  /// Suspicion at `now_us`; 0 before the first heartbeat (nothing is known
  /// yet, so nothing is suspected: joining is decided elsewhere).
  double phi(int64_t now_us) const;

  bool suspected(int64_t now_us, double threshold) const {
    return phi(now_us) >= threshold;
  }

  bool started() const noexcept {
    return last_us_ >= 0;
  }
  double mean_interval_us() const;

private:
  settings s_;
  int64_t last_us_ = -1;
  std::deque<double> intervals_;
  double sum_ = 0, sum_sq_ = 0;
};

} // namespace prescient::cluster
