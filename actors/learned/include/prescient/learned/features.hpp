#pragma once
// Turning a user's raw events into model steps. No LibTorch.

#include <cstdint>
#include <string>
#include <string_view>

#include "prescient/learned/step.hpp"

namespace prescient::learned {

/// Position-in-session values at or above this are stored as this - 1.
inline constexpr uint8_t position_cap = 16;

/// Hour of the week of an epoch time, Monday 00:00 = 0 .. Sunday 23:00 = 167,
/// shifted by `utc_offset_s` (the user's time zone, if known).
uint8_t hour_of_week(double time_s, int64_t utc_offset_s = 0);

/// Incremental encoder for ONE user's time-ordered events (all devices).
/// A new session starts when the session key changes or after `session_gap_s`
/// of silence (for sources without session keys pass an empty key).
class step_encoder {
public:
  explicit step_encoder(double session_gap_s = 1800.0, int64_t utc_offset_s = 0)
    : session_gap_s_(session_gap_s), utc_offset_s_(utc_offset_s) {}

  step next(double time_s, uint32_t app, uint32_t device, std::string_view session = {});

  /// Restores/inspects the little state the encoder keeps.
  double last_time() const { return last_time_; }
  bool started() const { return started_; }

private:
  double session_gap_s_;
  int64_t utc_offset_s_;
  bool started_ = false;
  double last_time_ = 0.0;
  std::string last_session_;
  uint32_t position_ = 0;
};

} // namespace prescient::learned
