// A trace in the minute model (see policy.hpp): per app, the minutes it was
// invoked in and how often, plus the span the trace covers.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "prescient/allocate/policy.hpp"

namespace prescient::allocate {

struct app_trace {
  app_info info;
  /// (minute, invocations >= 1), strictly increasing minutes. 8 bytes a
  /// minute: a day of the Azure trace has tens of millions.
  std::vector<std::pair<std::int32_t, std::uint32_t>> minutes;
};

struct trace {
  /// Inclusive span of the trace: waste is counted up to last_minute.
  minute_t first_minute = 0, last_minute = -1;
  std::vector<app_trace> apps;
};

} // namespace prescient::allocate
