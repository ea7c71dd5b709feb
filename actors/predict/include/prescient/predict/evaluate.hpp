// Prequential evaluation of next-app and launch-timing predictions: every
// event is first predicted (by every model, from what it learned so far) and
// only then learned. Deterministic: the same events give the same report.
//
// Metrics per model, over all prediction targets:
//   top1/top3/top5  share of targets whose app is among the model's best k;
//   mrr             mean reciprocal rank (0 when the app is not in the list
//                   of apps the model ranks at all);
//   logloss         mean -ln p(actual), p floored at 1e-6 (finite);
//   ece             expected calibration error of the top-1 confidence,
//                   15 equal-width bins;
//   timing_coverage80       share of targets (all but each user's first
//                   event) whose gap since the user's previous event falls
//                   in the 80% window predicted right after that event;
//   timing_window_s_median  median width of those windows in seconds.
// Baselines (most_frequent, markov1) time launches with the plain empirical
// 10%-90% quantiles of the user's past gaps; all online models share the
// launch_timing model's window.
//
// Query context: by default a target's time, device and session are known
// when its app is predicted (the user is at the device, in a session, now:
// which app?). With `strict_context` only what was known right after the
// previous event is used.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prescient/predict/profile.hpp"
#include "prescient/predict/scoreboard.hpp"

namespace prescient::predict {

struct eval_event {
  double time_s = 0;
  std::uint32_t tenant = 0;
  std::uint32_t user = 0;
  app_id app = no_app;
  std::uint32_t device = 0;
  std::uint32_t session = 0;
  float requests = 1;
  bool has_usage = false;
  usage use;
};

struct eval_options {
  bool strict_context = false;
  const external_model* external = nullptr;
  bool components = true;  ///< report each component model too
};

struct eval_report {
  std::uint64_t events = 0, users = 0;
  std::vector<model_metrics> models;
  // not part of the JSON (not deterministic or not asked for):
  double us_per_event = 0;        ///< production model score + observe, mean
  double markov1_us_per_event = 0;  ///< markov1 baseline top-1 predict + update, mean
  double profile_bytes_mean = 0;  ///< serialized user_model size, mean over users
  double profile_mem_mean = 0;    ///< approximate resident bytes, mean over users
};

class evaluator {
public:
  explicit evaluator(eval_options o = {});
  ~evaluator();
  void add(const eval_event& e);
  eval_report report() const;
private:
  struct impl;
  std::unique_ptr<impl> d_;
};

/// `{"events":N,"users":U,"models":{NAME:{...}}}` (+ `"skipped":S` when given);
/// fixed formatting, so equal reports give byte-identical text.
std::string to_json(const eval_report& r, std::optional<std::uint64_t> skipped = {});
/// A readable table.
std::string to_table(const eval_report& r, std::optional<std::uint64_t> skipped = {});

} // namespace prescient::predict
