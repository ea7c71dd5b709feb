#include "prescient/cluster/phi_accrual.hpp"

#include <algorithm>
#include <cmath>

namespace prescient::cluster {

void phi_accrual::heartbeat(int64_t now_us) {
  if (last_us_ < 0) {
    // Two synthetic intervals around the assumed one, so the first real
    // gap is judged against something (Akka seeds its window the same way).
    double first = double(s_.first_interval_us);
    for (double x : {first - first / 4, first + first / 4}) {
      intervals_.push_back(x);
      sum_ += x;
      sum_sq_ += x * x;
    }
  } else if (now_us > last_us_) {
    double x = double(now_us - last_us_);
    intervals_.push_back(x);
    sum_ += x;
    sum_sq_ += x * x;
    while (intervals_.size() > s_.window) {
      double old = intervals_.front();
      intervals_.pop_front();
      sum_ -= old;
      sum_sq_ -= old * old;
    }
  }
  last_us_ = std::max(last_us_, now_us);
}

double phi_accrual::mean_interval_us() const {
  return intervals_.empty() ? double(s_.first_interval_us)
                            : sum_ / double(intervals_.size());
}

double phi_accrual::phi(int64_t now_us) const {
  if (last_us_ < 0)
    return 0;
  double n = double(intervals_.size());
  double mean = sum_ / n + double(s_.acceptable_pause_us);
  double var = std::max(0.0, sum_sq_ / n - (sum_ / n) * (sum_ / n));
  double sd = std::max(std::sqrt(var), double(s_.min_std_us));
  double y = (double(now_us - last_us_) - mean) / sd;
  // P(X > t) for X ~ N(mean, sd²), logistic approximation of the normal CDF.
  double e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  double p_later = y > 0 ? e / (1 + e) : 1 - 1 / (1 + e);
  // A tail too small for a double: suspicion is as high as it gets.
  return p_later < 1e-300 ? 300.0 : -std::log10(p_later);
}

} // namespace prescient::cluster
