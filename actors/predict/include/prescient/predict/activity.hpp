// Activity class and latency sensitivity of a user (simple, documented).
//
// Activity: a time-decayed event count with a 7-day time constant gives the
// recent rate in events per day:  dormant < 0.2/day <= occasional < 2/day
// <= regular < 20/day <= heavy.
// Latency sensitivity: the decayed share (over ~50 events) of the user's
// events that follow the previous one within 5 minutes, i.e. happen inside
// interactive bursts where a person waits on the result; when durations are
// known, runs shorter than 2 s count as interactive too (averaged in).
//   sensitive >= 0.6 > normal >= 0.3 > tolerant.
#pragma once

#include "prescient/predict/types.hpp"

namespace prescient::predict {

enum class activity_class { dormant, occasional, regular, heavy };
enum class latency_class { tolerant, normal, sensitive };
const char* to_string(activity_class c);
const char* to_string(latency_class c);

class activity_model {
public:
  void observe(double time_s, float duration_ms = NAN);
  double events_per_day(double now_s) const;
  activity_class activity(double now_s) const;
  double latency_sensitivity() const { return sens_; }
  latency_class latency() const;
  void save(writer& w) const;
  void load(reader& r);
private:
  double score_ = 0, last_ = 0;
  float sens_ = 0.5f;
  std::uint32_t n_ = 0;  // gaps seen
  bool started_ = false;
};

} // namespace prescient::predict
