// What a broker has served, as demand series in event time, and their
// forecasts: one series for the whole data center ("*") and one per app
// template (the first max_apps templates seen; later ones count only in the
// total, which bounds the broker's memory).
#pragma once

#include <cstdint>
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

  /// Counts one request at event time `time_us`. Closes the steps before
  /// it: each closed step is one observation of every series (0 if quiet).
  /// A request older than the open step counts in the open step.
  void record(const std::string& app, int64_t time_us);

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
  void close_steps_until(int64_t time_us);

  std::vector<series> series_; // [0] is the total
  int64_t open_step_us_ = 0;   // start of the open step; 0 = nothing yet
  uint64_t closed_steps_ = 0;
};

} // namespace prescient
