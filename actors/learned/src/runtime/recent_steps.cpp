#include "prescient/learned/recent_steps.hpp"

#include <algorithm>
#include <cmath>

#include "prescient/learned/features.hpp"

namespace prescient::learned {

namespace {

constexpr double session_gap_s = 1800.0;  // as step_encoder's default
constexpr double gap_scale = 16384.0;     // log-gap quantum 2^-14
constexpr uint64_t gap_max = (uint64_t{1} << 20) - 1;

// Layout (low to high): hour 8 | position 4 | device 8 | log gap 20.
uint64_t pack(uint8_t hour, uint8_t pos, uint32_t device, float log_gap) {
  auto g = static_cast<uint64_t>(std::min<double>(gap_max, std::lround(double(log_gap) * gap_scale)));
  return uint64_t(hour) | uint64_t(pos & 0xF) << 8 | uint64_t(device & 0xFF) << 12 | g << 20;
}

uint32_t fold(uint64_t session) {
  return static_cast<uint32_t>(session ^ (session >> 32));
}

} // namespace

uint32_t device_code(std::string_view device) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : device) {
    h ^= c;
    h *= 16777619u;
  }
  return h & 0xFF;
}

step recent_steps::unpack(uint64_t p) {
  step s;
  s.hour_of_week = static_cast<uint8_t>(p & 0xFF);
  s.position_in_session = static_cast<uint8_t>((p >> 8) & 0xF);
  s.device = static_cast<uint32_t>((p >> 12) & 0xFF);
  s.log_gap_s = static_cast<float>(double(p >> 20) / gap_scale);
  return s;
}

void recent_steps::push(double time_s, uint32_t app, uint32_t device, uint64_t session) {
  const bool started = position_ > 0;
  double gap = started ? std::max(0.0, time_s - last_time_) : 0.0;
  if (!std::isfinite(gap))
    gap = 0.0;
  const uint32_t folded = fold(session);
  const bool fresh = !started || gap > session_gap_s || folded != session_;
  in_session_ = fresh ? 0 : static_cast<uint8_t>(std::min<int>(in_session_ + 1, position_cap - 1));
  auto log_gap = static_cast<float>(std::log1p(started ? gap : 604800.0));
  apps_[head_] = static_cast<uint16_t>(std::min(app, no_app_id));
  features_[position_ % full_capacity] = pack(hour_of_week(time_s), in_session_, device, log_gap);
  head_ = static_cast<uint8_t>((head_ + 1) % capacity);
  count_ = static_cast<uint8_t>(std::min<size_t>(count_ + 1, capacity));
  ++position_;
  last_time_ = started ? std::max(last_time_, time_s) : time_s;
  session_ = folded;
}

} // namespace prescient::learned
