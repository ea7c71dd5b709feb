// Launch timing: when does the next launch come?
//
// Gaps are binned on a log scale (bin 0: < 1 s; bin b: [2^((b-1)/2), 2^(b/2))
// seconds, up to ~270 days) and counted in decayed sparse rows:
//   - per user, the gap after each app (the app that was just used),
//   - per user, overall,
//   - per tenant, overall (so a new user gets a sensible window),
//   - per user and app, the reuse gap: time between two launches of that app.
// The predicted distribution backs off app → user → tenant → uniform with
// the same Witten-Bell rule as the sequence model. The window is the
// shortest interval holding (1 - alpha) of that distribution, where alpha is
// adapted online (adaptive conformal inference, Gibbs & Candès 2021): after
// each outcome alpha += gamma * (target_miss - miss), so the long-run
// coverage tracks the target (80%) even when the histogram is miscalibrated.
#pragma once

#include <array>

#include "prescient/predict/tables.hpp"

namespace prescient::predict {

inline constexpr int gap_bins = 50;
int gap_bin(double gap_s);
double gap_bin_lo(int b);
double gap_bin_hi(int b);

/// Shortest interval of a binned gap distribution holding `mass` of it.
time_window shortest_window(const std::array<double, gap_bins>& p, double mass);

class tenant_timing {
public:
  decayed_row overall;
  double alpha = 0.2;  ///< tenant-wide adapted miss level (start for new users)
  void save(writer& w) const;
  void load(reader& r);
};

class launch_timing {
public:
  static constexpr double target_coverage = 0.8;

  /// Window for the gap from the last event to the next launch.
  time_window next_window(const tenant_timing& t) const;
  /// Window for the time from the app's last launch to its next launch
  /// (invalid when the app was never launched twice).
  time_window reuse_window(app_id a) const;
  /// Distribution over gap bins for the next launch.
  void next_distribution(const tenant_timing& t, std::array<double, gap_bins>& p) const;

  /// Records a launch at `time_s` of `a`. Scores the window that was
  /// predicted for it (adapting alpha) before learning the gap.
  void observe(tenant_timing& t, double time_s, app_id a);

  bool has_last() const { return last_app_ != no_app; }
  /// Time of the last launch of `a` this model remembers (0: none).
  double last_launch(app_id a) const {
    for (auto& [app, t] : last_launch_)
      if (app == a) return t;
    return 0;
  }
  double last_time() const { return last_time_; }
  double alpha() const { return alpha_; }

  void save(writer& w) const;
  void load(reader& r);
  std::size_t memory_bytes() const;

private:
  flat_table<1> after_app_;   // key: app just used → next gap bin
  decayed_row overall_;
  flat_table<1> reuse_;       // key: app → gap between its launches
  std::vector<std::pair<app_id, double>> last_launch_;  // bounded, per app
  double last_time_ = 0;
  app_id last_app_ = no_app;
  double alpha_ = -1;         // < 0: not started, take the tenant's
};

} // namespace prescient::predict
