#include "anomaly_watch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace prescient {

namespace {

/// Fixed-point with `digits` decimals: reasons are read by people, so no
/// exponents and no more digits than the thresholds have.
std::string num(double v, int digits = 0) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// A probability as a percentage: whole percents, or two significant
/// digits below 1%, so that a tiny one reads "0.0031%", not "0%".
std::string pct(double p) {
  char buf[32];
  double v = p * 100;
  std::snprintf(buf, sizeof buf, v >= 1 || v == 0 ? "%.0f%%" : "%.2g%%", v);
  return buf;
}

anomaly flag(const usage_event& e, const char* kind, std::string reason) {
  anomaly a;
  a.tenant = e.tenant;
  a.user = e.user;
  a.kind = kind;
  a.time_us = e.time_us;
  a.reason = std::move(reason);
  return a;
}

} // namespace

void anomaly_watch::use(const usage_event& e, const use_outlook& o, anomaly_log& log) {
  using th = anomaly_thresholds;
  if (o.history >= th::min_history && o.confidence >= th::habit_confidence
      && o.probability < th::app_floor)
    log.push(flag(e, "unusual_app",
                  "app " + e.app + " had probability " + pct(o.probability)
                    + " < " + pct(th::app_floor)
                    + " while the top app had " + pct(o.confidence)));

  // Uses in the last minute, as a count decayed over a minute: no window
  // to keep, and a burst that straddles a minute boundary still counts.
  constexpr double minute_s = 60;
  double gap_s = last_use_us_ == 0
                   ? 1e9
                   : std::max<double>(0, double(e.time_us - last_use_us_) / 1e6);
  recent_ = static_cast<float>(recent_ * std::exp(-gap_s / minute_s) + 1);
  last_use_us_ = std::max(last_use_us_, e.time_us);
  double expected = o.per_day / (24 * 60);
  double threshold = std::max(th::burst_floor, th::burst_factor * expected);
  if (!in_burst_ && recent_ > threshold) {
    in_burst_ = true;
    log.push(flag(e, "request_burst",
                  num(recent_, 1) + " uses in the last minute > " + num(threshold, 0)
                    + " (expected " + num(expected, 2) + " a minute)"));
  } else if (in_burst_ && recent_ < threshold / 2) {
    in_burst_ = false;
  }
}

void anomaly_watch::close(const usage_event& e, const predict::user_model& m,
                          const predict::tenant_model& t, predict::app_id app,
                          anomaly_log& log) {
  using th = anomaly_thresholds;
  struct check {
    predict::metric metric;
    double value;
    const char* name;
    const char* unit;
  };
  const check checks[] = {
    {predict::metric::memory, e.usage.memory_mb, "memory", "MB"},
    {predict::metric::cpu, e.usage.cpu_millicores, "cpu", "millicores"},
  };
  std::string reason;
  for (auto& c : checks) {
    auto q = m.usage_of(t, app, c.metric);
    if (q.n < th::min_samples || !std::isfinite(q.p99) || q.p99 <= 0
        || !(c.value > th::resource_margin * q.p99))
      continue;
    if (!reason.empty())
      reason += "; ";
    reason += std::string(c.name) + " " + num(c.value) + " " + c.unit + " > "
              + num(th::resource_margin, 1) + " x p99 " + num(q.p99) + " " + c.unit
              + " of app " + e.app;
  }
  if (!reason.empty())
    log.push(flag(e, "unusual_resources", std::move(reason)));
}

} // namespace prescient
