// The time-series branch of the hybrid histogram policy: predicts an app's
// next idle time from its past idle times.
//
// Shahrad et al. fit ARIMA to the idle-time series. We use its simplest
// member that suits a short, level-shifting series, ARIMA(0,1,1), in its
// equivalent form of simple exponential smoothing: level_t = level_{t−1} +
// α·(x_t − level_{t−1}), forecast = level. α is refitted on every call from
// {0.1, 0.2, …, 1.0} by the smallest in-sample one-step squared error (ties:
// the larger α), the level starting at the first idle time. Deterministic,
// O(10·n) per prediction with n <= `capacity` idle times kept.
#pragma once

#include <cstddef>
#include <deque>

namespace prescient::allocate {

class idle_predictor {
public:
  /// Keeps the latest `capacity` idle times. Default: 64
  explicit idle_predictor(std::size_t capacity = 64) : capacity_(capacity) {}
  /// Appends one idle time (minutes).
  void add(double idle_minutes);
  /// The predicted next idle time (minutes); 0 when nothing was added.
  double predict() const;
  std::size_t size() const { return xs_.size(); }

private:
  std::size_t capacity_;
  std::deque<double> xs_;
};

} // namespace prescient::allocate
