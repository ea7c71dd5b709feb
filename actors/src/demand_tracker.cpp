#include "demand_tracker.hpp"

#include <algorithm>

namespace prescient {

namespace {

forecast::config forecaster_config() {
  forecast::config cfg;
  cfg.seasons = forecast::seasons_for_step(double(demand_tracker::step_us) / 1e6);
  cfg.max_horizon = demand_tracker::max_horizon;
  cfg.max_history = 4 * 7 * 24 * 12; // four weeks of steps
  cfg.defer_refits = true;           // the broker refits on another thread
  return cfg;
}

// A gap longer than the history kept carries no information beyond that.
constexpr uint64_t max_gap_steps = 4 * 7 * 24 * 12;

} // namespace

demand_tracker::demand_tracker() {
  series_.push_back({"*", forecast::forecaster(forecaster_config()), 0, false, {}});
}

void demand_tracker::observe(series& s, double value) {
  s.model.observe(value);
  if (s.refitting)
    s.since_copy.push_back(value);
}

std::vector<refit_job_ptr> demand_tracker::take_refit_jobs() {
  std::vector<refit_job_ptr> out;
  for (size_t i = 0; i < series_.size(); ++i) {
    auto& s = series_[i];
    if (s.refitting || !s.model.refit_due())
      continue;
    s.refitting = true;
    s.since_copy.clear();
    out.push_back(std::make_shared<refit_job>(refit_job{i, s.model}));
  }
  return out;
}

void demand_tracker::adopt(const refit_job_ptr& job) {
  if (!job || job->series >= series_.size())
    return;
  auto& s = series_[job->series];
  s.model = std::move(job->model);
  for (double v : s.since_copy)
    s.model.observe(v);
  // Fitted on much less than there is now (replays in event time run far
  // ahead of a fit): fit again, so the model catches up with its history.
  if (s.since_copy.size() * 4 > s.model.stats().history)
    s.model.request_refit();
  s.since_copy.clear();
  s.refitting = false;
}

uint32_t demand_tracker::refits_pending() const {
  uint32_t n = 0;
  for (auto& s : series_)
    n += s.refitting ? 1 : 0;
  return n;
}

void demand_tracker::abandon(size_t series) {
  if (series >= series_.size())
    return;
  series_[series].since_copy.clear();
  series_[series].refitting = false;
}

demand_tracker::series& demand_tracker::series_of(const std::string& app) {
  for (size_t i = 1; i < series_.size(); ++i)
    if (series_[i].app == app)
      return series_[i];
  if (series_.size() <= max_apps) {
    series_.push_back({app, forecast::forecaster(forecaster_config()), 0, false, {}});
    return series_.back();
  }
  return series_[0]; // counted in the total only
}

std::optional<demand_tracker::outlier>
demand_tracker::close_steps_until(int64_t time_us) {
  auto step_of = [](int64_t t) { return t - ((t % step_us) + step_us) % step_us; };
  if (open_step_us_ == 0) {
    open_step_us_ = step_of(time_us);
    return std::nullopt;
  }
  auto target = step_of(time_us);
  if (target <= open_step_us_)
    return std::nullopt;
  auto steps = static_cast<uint64_t>((target - open_step_us_) / step_us);
  // Judge the open step against the forecast made for it, before it is
  // learned (once per step: one forecast of one step, not per request).
  std::optional<outlier> out;
  auto& total = series_[0].model;
  if (total.stats().observations >= outlier_history
      && total.stats().recent_coverage95 >= outlier_min_coverage) {
    auto f = total.forecast(1);
    auto* i = f.at(0.95);
    auto count = double(series_[0].open_count);
    if (i && !f.point.empty() && !i->lower.empty()
        && (count < i->lower[0] || count > i->upper[0]))
      out = outlier{open_step_us_, count, f.point[0], i->lower[0], i->upper[0]};
  }
  for (auto& s : series_) {
    observe(s, double(s.open_count));
    s.open_count = 0;
    for (uint64_t k = 1; k < std::min(steps, max_gap_steps); ++k)
      observe(s, 0.0);
  }
  closed_steps_ += steps;
  open_step_us_ = target;
  return out;
}

std::optional<demand_tracker::outlier>
demand_tracker::record(const std::string& app, int64_t time_us) {
  auto out = close_steps_until(time_us);
  ++series_[0].open_count;
  auto& s = series_of(app);
  if (&s != &series_[0])
    ++s.open_count;
  return out;
}

data_center_forecast demand_tracker::forecast(const std::string& data_center,
                                              int horizon) const {
  data_center_forecast out;
  out.data_center = data_center;
  out.step_s = static_cast<uint32_t>(step_us / 1'000'000);
  out.start_us = open_step_us_;
  out.observations = closed_steps_;
  horizon = std::clamp(horizon, 1, max_horizon);
  for (auto& s : series_) {
    auto f = s.model.forecast(horizon);
    demand_forecast d;
    d.app = s.app;
    d.point = f.point;
    if (auto* i = f.at(0.95)) {
      d.lower95 = i->lower;
      d.upper95 = i->upper;
    }
    out.series.push_back(std::move(d));
  }
  return out;
}

const forecast::status& demand_tracker::total_status() const {
  return series_.front().model.stats();
}

} // namespace prescient
