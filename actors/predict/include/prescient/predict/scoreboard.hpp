// Prequential scoring, split from what is scored so that the figures can be
// gathered where the models run: the evaluator (one process, every model),
// and the shard actors of a replay (each scores the production model of its
// own users; the replay merges the boards in shard order).
//
//   scoreboard      mergeable sums per named model: hits at 1/3/5, reciprocal
//                   rank, log loss, calibration bins, timing-window hits and
//                   widths; serializable, so a board can cross actors.
//   score_online    records one prediction of the online model (each
//                   component, the raw mixture, the calibrated production
//                   model) for the target that followed it.
//   baseline_user   most_frequent and markov1 for one user, scored and then
//                   taught one target at a time.
//
// Metric definitions: see evaluate.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "prescient/predict/baselines.hpp"
#include "prescient/predict/profile.hpp"
#include "prescient/predict/timing.hpp"

namespace prescient::predict {

struct model_metrics {
  std::string name;
  std::uint64_t scored = 0; ///< targets scored
  double top1 = 0, top3 = 0, top5 = 0, mrr = 0, logloss = 0, ece = 0;
  double timing_coverage80 = 0, timing_window_s_median = 0;
};

class scoreboard {
public:
  static constexpr int ece_bins = 15;
  static constexpr double p_floor = 1e-6;

  /// `keep_widths`: keep every timing window's width for the median. A
  /// replay wants it; a live node does not (the list grows with every use),
  /// and reports the median as 0.
  explicit scoreboard(bool keep_widths = true) : keep_widths_(keep_widths) {}

  /// Index of the model `name`, added when absent.
  std::size_t model(std::string_view name);

  /// One target: `rank` of the actual app in the model's order (1-based,
  /// 0 = the model does not rank it), its probability `p`, the model's top-1
  /// confidence and whether the top-1 guess was right.
  void add(std::size_t m, std::size_t rank, double p, double top_conf, bool top_hit);
  /// One launch gap against the window predicted before it.
  void timing(std::size_t m, const time_window& w, double gap_s);

  /// Adds `other`'s sums; models are matched by name (new ones appended).
  void merge(const scoreboard& other);

  std::vector<model_metrics> metrics() const;
  std::size_t size() const { return models_.size(); }

  void save(std::string& out) const;
  bool load(std::string_view in);

private:
  struct sums {
    std::string name;
    std::uint64_t n = 0, h1 = 0, h3 = 0, h5 = 0;
    double rr = 0, ll = 0;
    std::array<double, ece_bins> conf{}, hit{};
    std::array<std::uint64_t, ece_bins> cnt{};
    std::uint64_t tn = 0, tcov = 0;
    std::vector<float> widths;
    model_metrics get() const;
  };
  std::vector<sums> models_;
  bool keep_widths_ = true;
};

/// The online model's models in report order: "c_<component>" for each
/// component (the external one only with `external`), then "mixture" and
/// "prescient". Without `components`, only the last two.
std::vector<std::string> online_model_names(bool components, bool external);

/// Records the prediction `s` (made by `u` under `t` for the target `y`)
/// under the names of online_model_names(components, external), starting at
/// board index `first`.
void score_online(const user_model& u, const tenant_model& t, const scored_set& s, app_id y,
                  bool components, bool external, scoreboard& board, std::size_t first);

/// The two baselines of one user, with empirical 10%-90% gap quantiles (no
/// decay) as their launch window.
class baseline_user {
public:
  /// Scores "most_frequent" at board index `first`, "markov1" at first + 1,
  /// for target `y` at `time_s`, then learns it.
  void score_and_learn(app_id y, double time_s, scoreboard& board, std::size_t first);
  /// Time spent in markov1's top-1 predict and update (for the cost figure).
  double markov1_ns() const { return m1_ns_; }

private:
  time_window gap_window() const;
  most_frequent mf_;
  markov1 m1_;
  std::array<std::uint32_t, gap_bins> gaps_{};
  std::uint64_t n_gaps_ = 0;
  bool has_prev_ = false;
  double prev_time_ = 0;
  double m1_ns_ = 0;
  std::vector<scored_app> tmp_;
};

} // namespace prescient::predict
