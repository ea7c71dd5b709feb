// Sparse weighted idle-time histograms and the cost-minimising window over a
// mixture of them (the core of prescient_policy.hpp). Private to the module.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "prescient/allocate/policy.hpp"

namespace prescient::allocate::detail {

/// Weights per idle time (minutes), sorted by idle time, plus the weight of
/// idle times at or beyond the horizon. Decay without touching every bin:
/// each new sample weighs 1/decay times the previous one, and everything is
/// rescaled (and negligible bins dropped) when the weights grow large.
class idle_histogram {
public:
  explicit idle_histogram(double decay = 1.0) : decay_(decay) {}
  /// Adds one sample; true when it opened a bin not seen before.
  bool add(int idle, int horizon);
  /// Sum of weights in units of the newest sample (the effective count).
  double effective_count() const { return unit_ > 0 ? total_ / unit_ : 0; }
  double total() const { return total_; }
  double overflow() const { return overflow_; }
  const std::vector<std::pair<int, double>>& bins() const { return bins_; }

private:
  void rescale();
  double decay_;
  double unit_ = 0;  ///< stored weight of the newest sample
  double total_ = 0, overflow_ = 0;
  std::vector<std::pair<int, double>> bins_;
};

/// One part of a mixture: a histogram and the probability mass it gets;
/// `spread` moves each bin's weight half a minute earlier, half later (the
/// jitter of minute binning: a periodic trigger now and then lands one
/// minute off).
struct part {
  const idle_histogram* h;
  double mass;
  bool spread = false;
};

/// The window minimising c·P(cold) + E[wasted minutes] for the normalised
/// mixture of `parts`; (0, 0) when no window beats staying cold. `scratch`
/// is reused between calls to avoid allocation.
window best_window(const std::vector<part>& parts, double cold_cost_minutes,
                   std::vector<std::pair<int, double>>& scratch);

} // namespace prescient::allocate::detail
