// Demand forecaster: one per data center and app template, fed the demand
// series (a count per fixed step: a minute, five minutes, an hour...).
//
// Method (no per-dataset tuning):
//  * Candidates: naive, drift, seasonal naive and seasonal means over the last few
//    cycles, exponential smoothing (level, damped trend; additive or
//    multiplicative daily seasonality; Taylor's double-seasonal additive
//    Holt-Winters with a daily and a weekly cycle), and Theta on the
//    seasonally adjusted series. Each fitted model's parameters minimise its
//    in-sample one-step squared error.
//  * Rolling-origin validation: every candidate is fitted on the history up
//    to a cut, then rolled forward (state updates, no refit) through the rest
//    of the history; at each origin it forecasts up to the horizon. The
//    candidates are ranked by mean absolute error over all origins and
//    horizons; the forecast is the mean of the best few weighted by inverse
//    validation error (robust to a single model failing). A cycle that
//    drifts (best seasonal-naive lag near, not at, the period over the last
//    7 cycles) adds candidates at that lag.
//  * Prediction intervals: empirical quantiles of the combination's
//    out-of-sample errors on those same origins, per horizon (pooled over
//    neighbouring horizons), so they are calibrated per horizon without
//    assuming a distribution. Errors are taken relative to the local level of
//    the series (mean of the last season) so intervals scale with demand
//    (absolute when the series sits near zero). A calibration factor in
//    [1, 2] -- intervals from the earlier half of the origins checked on the
//    later half -- widens them for error drift over time. Beyond the
//    validated horizon the widths grow like sqrt(h).
//  * Online: observe() updates every member's state in O(1)/O(season),
//    tracks the one-step error and the 95% one-step coverage, and refits
//    (retrain) when the smoothed error exceeds `retrain_error_ratio` times the
//    validated one-step error, or every `retrain_every` observations.
//  * Count data (the default, `nonnegative`): point forecasts and interval
//    bounds are clamped at 0. Non-finite inputs are ignored; outputs are
//    always finite.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace prescient::forecast {

namespace detail {
class model;
}

struct config {
  /// Seasonal periods in steps, the primary (daily) first, optionally a
  /// longer one (weekly). Empty: non-seasonal. A period is used only when
  /// the history holds enough cycles of it (otherwise it is ignored).
  std::vector<int> seasons;
  /// Longest horizon (steps) the intervals are calibrated for; longer
  /// forecasts are allowed (widths extrapolated).
  int max_horizon = 48;
  /// Central prediction-interval levels, e.g. 0.8 and 0.95.
  std::vector<double> levels{0.8, 0.95};
  /// Count data: clamp forecasts and bounds at 0.
  bool nonnegative = true;
  /// Observations kept for refitting (0: automatic, enough for 4 cycles of
  /// the longest season and 1000 steps at least).
  std::size_t max_history = 0;
  /// Number of best-ranked candidates averaged.
  int combine = 3;
  /// Refit when the smoothed one-step absolute error exceeds this multiple of
  /// the validated one-step error.
  double retrain_error_ratio = 1.5;
  /// Smoothing window (observations) of the tracked error; also the minimum
  /// number of observations between two error-triggered refits.
  int error_window = 24;
  /// Scheduled refit every this many observations (0: one primary season,
  /// or 100 steps without a season; negative: never).
  int retrain_every = 0;
  /// Do not refit inside observe(): flag it (refit_due()) for the owner,
  /// who refits a copy elsewhere (a fit takes up to ~0.5 s on long
  /// seasonal histories) and adopts it. Until the first fit arrives,
  /// forecasts are empty.
  bool defer_refits = false;
};

/// One central interval at `level` for horizons 1..H.
struct interval {
  double level = 0;
  std::vector<double> lower, upper;
};

struct forecast_result {
  std::vector<double> point;       ///< horizons 1..H
  std::vector<interval> intervals; ///< one per configured level
  /// The interval at `level` (nullptr when not configured).
  const interval* at(double level) const;
};

/// What the forecaster knows about itself.
struct status {
  std::size_t observations = 0;        ///< observations seen in total
  std::size_t history = 0;             ///< observations kept
  std::size_t retrains = 0;            ///< number of fits
  std::size_t error_retrains = 0;      ///< of which triggered by the error
  std::size_t since_retrain = 0;       ///< observations since the last fit
  double validated_error = 0;          ///< one-step MAE on validation origins
  double recent_error = 0;             ///< smoothed one-step absolute error
  double recent_coverage95 = 1;        ///< smoothed share of one-step 95% hits
  std::vector<std::string> members;    ///< models in the combination
};

class forecaster {
public:
  explicit forecaster(config cfg = {});
  forecaster(const forecaster& other);
  forecaster& operator=(const forecaster& other);
  forecaster(forecaster&&) noexcept;
  forecaster& operator=(forecaster&&) noexcept;
  ~forecaster();

  /// Replaces the history with `history` and fits.
  void fit(const std::vector<double>& history);
  /// Appends one observation: online update, error tracking, and a refit
  /// when the error grew or one is scheduled.
  void observe(double value);
  /// Refits now on the kept history.
  void retrain();
  /// With config::defer_refits: a refit is due (retrain() clears it).
  bool refit_due() const { return refit_due_; }
  /// With config::defer_refits: asks for a refit (e.g. when a refit came
  /// back fitted on much less history than there is now).
  void request_refit() { refit_due_ = true; }

  /// Forecast for horizons 1..horizon from the current state. Preview: never
  /// changes the forecaster.
  forecast_result forecast(int horizon) const;
  /// Forecast as if `extra` had been observed first, without changing this
  /// forecaster (what-if / preview).
  forecast_result preview(const std::vector<double>& extra, int horizon) const;

  const status& stats() const { return status_; }
  const config& settings() const { return cfg_; }

private:
  struct member;
  void train(bool by_error);
  double one_step() const;

  config cfg_;
  std::deque<double> history_;
  std::vector<member> members_;
  /// Interval offsets, relative to the local level, per level, on a grid of
  /// horizons (grid_[i] steps ahead).
  std::vector<int> grid_;
  std::vector<std::vector<double>> lo_, hi_;
  bool relative_ = false;   ///< offsets are fractions of the local level
  status status_;
  int retrain_every_ = 0;
  int primary_ = 0;
  bool refit_due_ = false;
  bool refit_by_error_ = false;
  std::size_t max_history_ = 0;
};

/// Convenience: fit on `history` and forecast `horizon` steps.
forecast_result forecast_once(const std::vector<double>& history, int horizon, config cfg = {});

/// Seasonal periods (daily, weekly) for a step of `step_seconds`, when they
/// are whole numbers of steps greater than 1; empty otherwise.
std::vector<int> seasons_for_step(double step_seconds);

} // namespace prescient::forecast
