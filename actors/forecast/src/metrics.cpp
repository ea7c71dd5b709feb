#include "prescient/forecast/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace prescient::forecast {

double smape(const std::vector<double>& a, const std::vector<double>& f) {
  std::size_t n = std::min(a.size(), f.size());
  if (!n) return 0;
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double d = std::fabs(a[i]) + std::fabs(f[i]);
    if (d > 0) s += std::fabs(a[i] - f[i]) / d;
  }
  return 200.0 * s / n;
}

double mase_scale(const std::vector<double>& y, int m) {
  std::size_t n = y.size();
  if (m < 1 || static_cast<std::size_t>(m) >= n) m = 1;
  double s = 0;
  std::size_t c = 0;
  for (std::size_t t = m; t < n; ++t, ++c) s += std::fabs(y[t] - y[t - m]);
  double scale = c ? s / c : 0.0;
  if (!(scale > 0) && m != 1) return mase_scale(y, 1);
  return scale > 0 ? scale : 1.0;
}

double mase(const std::vector<double>& a, const std::vector<double>& f, double scale) {
  std::size_t n = std::min(a.size(), f.size());
  if (!n) return 0;
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::fabs(a[i] - f[i]);
  return s / n / (scale > 0 ? scale : 1.0);
}

double coverage(const std::vector<double>& a, const std::vector<double>& lo, const std::vector<double>& hi) {
  std::size_t n = std::min({a.size(), lo.size(), hi.size()});
  if (!n) return 0;
  std::size_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += a[i] >= lo[i] && a[i] <= hi[i];
  return static_cast<double>(c) / n;
}

double msis(const std::vector<double>& a, const std::vector<double>& lo, const std::vector<double>& hi,
            double scale, double alpha) {
  std::size_t n = std::min({a.size(), lo.size(), hi.size()});
  if (!n) return 0;
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s += hi[i] - lo[i];
    if (a[i] < lo[i]) s += 2 / alpha * (lo[i] - a[i]);
    if (a[i] > hi[i]) s += 2 / alpha * (a[i] - hi[i]);
  }
  return s / n / (scale > 0 ? scale : 1.0);
}

} // namespace prescient::forecast
