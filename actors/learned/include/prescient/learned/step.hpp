#pragma once
// One event of a user's sequence, as the learned next-app model sees it.
// Plain data, no LibTorch.

#include <cstdint>

namespace prescient::learned {

struct step {
  uint32_t app = 0;                  // vocabulary id; 0 = unknown / padding
  uint8_t hour_of_week = 0;          // 0..167, Monday 00:00 = 0 (see features.hpp)
  uint8_t position_in_session = 0;   // 0 = first event of a session; capped
  float log_gap_s = 0.0f;            // log1p(seconds since the user's previous event)
  uint32_t device = 0;               // device id; the model hashes it into a few buckets
};

} // namespace prescient::learned
