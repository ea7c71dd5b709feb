// The confidence a predicted use needs before a data center holds warm
// capacity for it.
//
// Predictions arrive calibrated (of uses predicted at p, ~p happen), so the
// share of holds that get claimed is the mean confidence of the holds
// placed. A data center wants that share at `target` (a hold that is never
// claimed costs idle capacity; a missing one costs a cold start; the
// target is where the two balance for the operator's prices). The base
// threshold therefore follows the measured outcome, by stochastic
// approximation: after each outcome, base += rate * (target - claimed).
// Holds that are claimed more often than the target lower it (more uses
// get a warm instance); miscalibrated predictions that miss raise it.
//
// Spare capacity: when the data center is busy the idle capacity of a
// wrong guess displaces real work, so the threshold rises with utilisation
// above `busy` (up to +0.15 when full).
//
// Price of idle capacity: a wrong guess costs its idle time at the price
// the warm capacity runs at. The target was set for on-demand prices, so
// the threshold moves with the price of a new hold relative to on-demand:
// + price_weight * (share - 1), share clamped to [0, 2] (spot at half the
// on-demand price lowers it by 0.05; idle capacity at twice the price
// raises it by 0.1). Higher idle price, higher threshold.
#pragma once

#include <algorithm>
#include <cstdint>

namespace prescient {

class prewarm_threshold {
public:
  static constexpr double rate = 0.02;
  static constexpr double lowest = 0.3;
  static constexpr double highest = 0.99;
  static constexpr double busy = 0.7;
  static constexpr double price_weight = 0.1;

  explicit prewarm_threshold(double target = 0.8)
    : target_(std::clamp(target, lowest, highest)), base_(target_) {
    // nop
  }

  /// The threshold at `utilisation` (share of capacity in use, 0..1) when
  /// idle warm capacity costs `price_share` of the on-demand price.
  double at(double utilisation, double price_share = 1.0) const noexcept {
    double pressure = std::clamp((utilisation - busy) / (1 - busy), 0.0, 1.0);
    double price = price_weight * (std::clamp(price_share, 0.0, 2.0) - 1);
    return std::clamp(base_ + 0.15 * pressure + price, lowest, highest);
  }

  /// One hold ended: claimed (a hit) or expired (a wrong guess).
  void outcome(bool claimed) noexcept {
    base_ = std::clamp(base_ + rate * (target_ - (claimed ? 1.0 : 0.0)), lowest,
                       highest);
  }

  double base() const noexcept {
    return base_;
  }

private:
  double target_;
  double base_;
};

} // namespace prescient
