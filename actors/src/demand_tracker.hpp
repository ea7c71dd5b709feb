// What a broker has served, as demand series in event time, and their
// forecasts: one series for the whole data center ("*") and one per app
// template (the first max_apps templates seen; later ones count only in the
// total, which bounds the broker's memory).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "forecast_refitter.hpp"
#include "prescient/forecast/forecaster.hpp"
#include "prescient/wire/admin.hpp"

namespace prescient {

class demand_tracker {
public:
  static constexpr int64_t step_us = 5LL * 60 * 1'000'000; ///< 5 minutes
  static constexpr int max_horizon = 7 * 24 * 12;           ///< 7 days of steps
  static constexpr size_t max_apps = 16;

  demand_tracker();

  /// A closed step whose total lies outside the 95% interval the
  /// forecaster gave it one step ahead.
  struct outlier {
    int64_t step_us = 0; ///< start of the step (event time)
    double count = 0;    ///< requests served in it
    double point = 0, lower95 = 0, upper95 = 0;
  };
  /// Steps observed before outliers are judged: three days, so the
  /// daily season is fitted and a morning rise is not taken for a spike
  /// (after one day, a regular busy-day/quiet-night shape still gave 77
  /// flags over the next three days; after three, at most the rise).
  static constexpr size_t outlier_history = 3 * 24 * 12;
  /// Smoothed share of one-step 95% hits below which the forecaster's
  /// intervals are not trusted to judge (it is catching up after a change).
  static constexpr double outlier_min_coverage = 0.8;

  /// Counts one request at event time `time_us`. Closes the steps before
  /// it: each closed step is one observation of every series (0 if quiet).
  /// A request older than the open step counts in the open step. Returns
  /// the step that closed with requests, if its total was an outlier; the
  /// quiet steps of a gap after it are learned but not judged (a silent
  /// data center is not flagged step after step).
  std::optional<outlier> record(const std::string& app, int64_t time_us);

  /// Forecasts of every series for `horizon` steps (1..max_horizon) from
  /// the open step on. Does not change the forecasters (preview).
  data_center_forecast forecast(const std::string& data_center, int horizon) const;

  /// Refits that came due (forecasters never refit in place): copies to
  /// refit elsewhere. At most one per series is out at a time.
  std::vector<refit_job_ptr> take_refit_jobs();
  /// Takes a refitted copy back and brings it up to date with what the
  /// series observed since the copy was made.
  void adopt(const refit_job_ptr& job);
  /// A refit that will not come back: the series may send another.
  void abandon(size_t series);
  /// Refits out now.
  uint32_t refits_pending() const;
  /// How the forecast of the whole data center's demand is doing.
  const forecast::status& total_status() const;
  /// Start of the open step (where forecasts start); 0 before any request.
  int64_t open_step_us() const noexcept {
    return open_step_us_;
  }

private:
  struct series {
    std::string app;
    forecast::forecaster model;
    uint64_t open_count = 0; ///< requests in the open step
    bool refitting = false;  ///< a copy is out being refitted
    std::vector<double> since_copy; ///< observations made meanwhile
  };
  void observe(series& s, double value);

  series& series_of(const std::string& app);
  std::optional<outlier> close_steps_until(int64_t time_us);

  std::vector<series> series_; // [0] is the total
  int64_t open_step_us_ = 0;   // start of the open step; 0 = nothing yet
  uint64_t closed_steps_ = 0;
};

} // namespace prescient
