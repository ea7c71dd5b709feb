// Which events are uses of an app, i.e. the targets that next-app
// prediction predicts and learns from. Front ends report a launch, a
// request for capacity, or both for one run (first the request, then the
// launch it was granted for); counting both would teach every model that
// each app follows itself.
#pragma once

#include <cstdint>

#include "prescient/predict/types.hpp"

namespace prescient::predict {

enum class report_kind : std::uint8_t { launch, request, other };

/// Per user: a launch or a request is a use, except a launch of the app the
/// user requested last, on the same device, within `pair_window_s` after
/// that request (the same run, reported twice).
class use_filter {
public:
  static constexpr double pair_window_s = 600;

  bool is_use(report_kind k, app_id app, std::uint32_t device, double time_s) noexcept {
    // Whole seconds (until 2106) are precise enough for a 10-minute window
    // and keep the filter at 12 bytes: it lives in every resident profile.
    auto t = static_cast<std::uint32_t>(time_s <= 0 ? 0 : time_s >= 4294967295.0 ? 4294967295.0
                                                                               : time_s);
    if (k == report_kind::request) {
      app_ = app;
      device_ = device;
      time_s_ = t;
      return true;
    }
    if (k != report_kind::launch) return false;
    if (app == app_ && device == device_ && t >= time_s_ && t - time_s_ <= pair_window_s) {
      app_ = no_app;  // paired: a second launch is a new use
      return false;
    }
    return true;
  }

private:
  std::uint32_t time_s_ = 0;
  app_id app_ = no_app;
  std::uint32_t device_ = 0;
};

} // namespace prescient::predict
