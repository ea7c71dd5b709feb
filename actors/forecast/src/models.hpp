// The candidate models the forecaster chooses among and combines. Internal:
// the public face is prescient/forecast/forecaster.hpp.
//
// Every model follows the same life cycle: fit(y) estimates its parameters on
// y and leaves its state at the end of y; update(v) appends one observation
// without refitting (O(1) or O(period)); forecast(h) writes h point forecasts
// from the current state and never changes it; clone() deep-copies.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace prescient::forecast::detail {

class model {
public:
  virtual ~model() = default;
  virtual std::string name() const = 0;
  virtual void fit(const std::vector<double>& y) = 0;
  virtual void update(double v) = 0;
  virtual void forecast(int h, double* out) const = 0;
  virtual std::unique_ptr<model> clone() const = 0;
};

/// Fixed-capacity history of the last observations (oldest dropped).
class ring {
public:
  explicit ring(std::size_t cap = 1) : buf_(cap ? cap : 1) {}
  void clear() { n_ = 0; }
  void push(double v) {
    buf_[head_] = v;
    head_ = (head_ + 1) % buf_.size();
    if (n_ < buf_.size()) ++n_;
  }
  std::size_t size() const { return n_; }
  /// k-th most recent value, k = 1 is the last one (k <= size()).
  double back(std::size_t k) const {
    return buf_[(head_ + buf_.size() - k) % buf_.size()];
  }

private:
  std::vector<double> buf_;
  std::size_t head_ = 0, n_ = 0;
};

/// Naive (period 0/1: last value), seasonal naive (period m), or the mean of
/// the last `cycles` seasons at the same phase (a smoothed seasonal naive).
std::unique_ptr<model> make_seasonal_naive(int period, int cycles = 1);

/// Random walk with drift: the last value plus the mean step so far.
std::unique_ptr<model> make_drift();

enum class trend_kind { none, damped };

/// Exponential smoothing in error-correction form with up to two additive
/// seasonal cycles (Taylor's double-seasonal Holt-Winters when both are set),
/// or one multiplicative cycle; parameters by minimising the in-sample
/// one-step squared error (Nelder-Mead on a bounded transform).
std::unique_ptr<model> make_ets(trend_kind trend, bool multiplicative, int m1, int m2);

/// Theta method (Assimakopoulos & Nikolopoulos 2000, as in M3/M4): classical
/// seasonal adjustment with period m (multiplicative when the series is
/// positive), SES with drift equal to half the linear-regression slope.
std::unique_ptr<model> make_theta(int m);

/// Nelder-Mead minimiser used by the fitted models.
std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                                std::vector<double> x0, double step, int max_evals);

} // namespace prescient::forecast::detail
