#include "prescient/predict/activity.hpp"

#include <algorithm>

namespace prescient::predict {

namespace {
constexpr double tau_s = 7 * 86400.0;
constexpr float sens_rate = 0.02f;
}

const char* to_string(activity_class c) {
  switch (c) {
    case activity_class::dormant: return "dormant";
    case activity_class::occasional: return "occasional";
    case activity_class::regular: return "regular";
    default: return "heavy";
  }
}
const char* to_string(latency_class c) {
  switch (c) {
    case latency_class::tolerant: return "tolerant";
    case latency_class::normal: return "normal";
    default: return "sensitive";
  }
}

void activity_model::observe(double t, float duration_ms) {
  if (started_) {
    double gap = std::max(0.0, t - last_);
    score_ *= std::exp(-gap / tau_s);
    float x = gap < 300 ? 1.f : 0.f;
    if (std::isfinite(duration_ms)) x = 0.5f * x + 0.5f * (duration_ms < 2000 ? 1.f : 0.f);
    ++n_;
    sens_ += std::max(sens_rate, 1.0f / float(n_)) * (x - sens_);  // running mean, then EWMA
  }
  score_ += 1;
  last_ = std::max(last_, t);
  started_ = true;
}

double activity_model::events_per_day(double now) const {
  if (!started_) return 0;
  return score_ * std::exp(-std::max(0.0, now - last_) / tau_s) / (tau_s / 86400.0);
}

activity_class activity_model::activity(double now) const {
  double r = events_per_day(now);
  if (r < 0.2) return activity_class::dormant;
  if (r < 2) return activity_class::occasional;
  if (r < 20) return activity_class::regular;
  return activity_class::heavy;
}

latency_class activity_model::latency() const {
  if (sens_ >= 0.6f) return latency_class::sensitive;
  if (sens_ >= 0.3f) return latency_class::normal;
  return latency_class::tolerant;
}

void activity_model::save(writer& w) const { w.f64(score_); w.f64(last_); w.f32(sens_); w.var(n_); w.u8(started_); }
void activity_model::load(reader& r) { score_ = r.f64(); last_ = r.f64(); sens_ = r.f32(); n_ = static_cast<std::uint32_t>(r.var()); started_ = r.u8() != 0; }

} // namespace prescient::predict
