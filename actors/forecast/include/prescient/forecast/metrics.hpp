// Forecast accuracy measures, with the M4 competition's definitions.
#pragma once

#include <vector>

namespace prescient::forecast {

/// Symmetric MAPE in percent: 200/h * sum |y - f| / (|y| + |f|); a point
/// where both are 0 counts as 0 error.
double smape(const std::vector<double>& actual, const std::vector<double>& forecast);

/// MASE scale: in-sample mean |y_t - y_{t-m}| (seasonal naive); falls back to
/// m = 1 when the history is not longer than m, and to 1 when that is 0 too
/// (a constant history), so scaled measures stay finite.
double mase_scale(const std::vector<double>& insample, int m);

/// Mean absolute error divided by `scale`.
double mase(const std::vector<double>& actual, const std::vector<double>& forecast, double scale);

/// Share of actual values inside [lower, upper] (0..1).
double coverage(const std::vector<double>& actual, const std::vector<double>& lower,
                const std::vector<double>& upper);

/// Mean scaled interval score for a (1 - alpha) interval (M4: alpha = 0.05):
/// mean of (U - L) + 2/alpha (L - y)[y < L] + 2/alpha (y - U)[y > U], over `scale`.
double msis(const std::vector<double>& actual, const std::vector<double>& lower,
            const std::vector<double>& upper, double scale, double alpha = 0.05);

} // namespace prescient::forecast
