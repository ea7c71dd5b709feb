#include "demand_tracker.hpp"

#include <algorithm>

namespace prescient {

namespace {

forecast::config forecaster_config() {
  forecast::config cfg;
  cfg.seasons = forecast::seasons_for_step(double(demand_tracker::step_us) / 1e6);
  cfg.max_horizon = demand_tracker::max_horizon;
  cfg.max_history = 4 * 7 * 24 * 12; // four weeks of steps
  return cfg;
}

// A gap longer than the history kept carries no information beyond that.
constexpr uint64_t max_gap_steps = 4 * 7 * 24 * 12;

} // namespace

demand_tracker::demand_tracker() {
  series_.push_back({"*", forecast::forecaster(forecaster_config()), 0});
}

demand_tracker::series& demand_tracker::series_of(const std::string& app) {
  for (size_t i = 1; i < series_.size(); ++i)
    if (series_[i].app == app)
      return series_[i];
  if (series_.size() <= max_apps) {
    series_.push_back({app, forecast::forecaster(forecaster_config()), 0});
    return series_.back();
  }
  return series_[0]; // counted in the total only
}

void demand_tracker::close_steps_until(int64_t time_us) {
  auto step_of = [](int64_t t) { return t - ((t % step_us) + step_us) % step_us; };
  if (open_step_us_ == 0) {
    open_step_us_ = step_of(time_us);
    return;
  }
  auto target = step_of(time_us);
  if (target <= open_step_us_)
    return;
  auto steps = static_cast<uint64_t>((target - open_step_us_) / step_us);
  for (auto& s : series_) {
    s.model.observe(double(s.open_count));
    s.open_count = 0;
    for (uint64_t k = 1; k < std::min(steps, max_gap_steps); ++k)
      s.model.observe(0.0);
  }
  closed_steps_ += steps;
  open_step_us_ = target;
}

void demand_tracker::record(const std::string& app, int64_t time_us) {
  close_steps_until(time_us);
  ++series_[0].open_count;
  auto& s = series_of(app);
  if (&s != &series_[0])
    ++s.open_count;
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

} // namespace prescient
