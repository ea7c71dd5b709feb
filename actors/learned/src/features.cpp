#include "prescient/learned/features.hpp"

#include <algorithm>
#include <cmath>

namespace prescient::learned {

uint8_t hour_of_week(double time_s, int64_t utc_offset_s) {
  if (!std::isfinite(time_s)) return 0;
  // 1970-01-01 was a Thursday: Monday-based day index 3.
  double hours = std::floor((time_s + double(utc_offset_s)) / 3600.0) + 72.0;
  double h = std::fmod(hours, 168.0);
  if (h < 0) h += 168.0;
  return static_cast<uint8_t>(std::min(167.0, h));
}

step step_encoder::next(double time_s, uint32_t app, uint32_t device, std::string_view session) {
  step s;
  s.app = app;
  s.device = device;
  s.hour_of_week = hour_of_week(time_s, utc_offset_s_);
  double gap = started_ ? std::max(0.0, time_s - last_time_) : 0.0;
  if (!std::isfinite(gap)) gap = 0.0;
  bool new_session = !started_ || gap > session_gap_s_ || session != last_session_;
  position_ = new_session ? 0 : position_ + 1;
  s.position_in_session = static_cast<uint8_t>(std::min<uint32_t>(position_, position_cap - 1));
  // The first event of a user has no gap: call it a long one (a week).
  s.log_gap_s = static_cast<float>(std::log1p(started_ ? gap : 604800.0));
  started_ = true;
  last_time_ = std::max(last_time_, time_s);
  if (session != last_session_) last_session_.assign(session.data(), session.size());
  return s;
}

} // namespace prescient::learned
