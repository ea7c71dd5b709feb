#include "prescient/predict/calibration.hpp"

#include <algorithm>
#include <cmath>

namespace prescient::predict {

namespace {
int bin_of(double p) {
  int b = static_cast<int>(p * calibrator::bins);
  return std::clamp(b, 0, calibrator::bins - 1);
}
double centre(int b) { return (b + 0.5) / calibrator::bins; }
} // namespace

void calibrator::refit() const {
  // Per-bin shrunk estimates, then weighted PAV for a monotone fit.
  double val[bins], wt[bins];
  int len[bins];
  int m = 0;
  for (int b = 0; b < bins; ++b) {
    double w = n_[b] + prior;
    double v = (hits_[b] + prior * centre(b)) / w;
    val[m] = v; wt[m] = w; len[m] = 1; ++m;
    while (m > 1 && val[m - 2] > val[m - 1]) {
      double tw = wt[m - 2] + wt[m - 1];
      val[m - 2] = (val[m - 2] * wt[m - 2] + val[m - 1] * wt[m - 1]) / tw;
      wt[m - 2] = tw;
      len[m - 2] += len[m - 1];
      --m;
    }
  }
  int b = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < len[i]; ++j) fit_[b++] = static_cast<float>(val[i]);
  dirty_ = false;
}

double calibrator::apply(double p) const {
  if (!std::isfinite(p)) return 0;
  p = std::clamp(p, 0.0, 1.0);
  if (dirty_) refit();
  return std::clamp<double>(fit_[bin_of(p)], 0.0, 1.0);
}

void calibrator::update(double p, bool hit) {
  if (!std::isfinite(p)) return;
  for (int b = 0; b < bins; ++b) { n_[b] *= decay; hits_[b] *= decay; }
  int b = bin_of(p);
  n_[b] += 1;
  if (hit) hits_[b] += 1;
  dirty_ = true;
}

double calibrator::observations() const {
  double s = 0;
  for (auto v : n_) s += v;
  return s;
}

void calibrator::save(writer& w) const {
  for (int b = 0; b < bins; ++b) { w.f32(n_[b]); w.f32(hits_[b]); }
}

void calibrator::load(reader& r) {
  for (int b = 0; b < bins; ++b) { n_[b] = r.f32(); hits_[b] = r.f32(); }
  dirty_ = true;
}

} // namespace prescient::predict
