// Baselines measured beside Prescient's models in every evaluation.
//  - most_frequent: the user's most frequent apps so far (plain counts).
//  - markov1: plain per-user first-order transition counts (no decay); when
//    the current app has no outgoing counts it falls back to most_frequent.
// Ties are broken by the smaller app id, so results are deterministic.
#pragma once

#include <unordered_map>
#include <vector>

#include "prescient/predict/types.hpp"

namespace prescient::predict {

class most_frequent {
public:
  /// Best k apps with their probability (count / total).
  void predict(std::size_t k, std::vector<scored_app>& out) const;
  double prob(app_id a) const;
  void update(app_id a);
  std::size_t total() const { return total_; }

private:
  std::unordered_map<app_id, std::uint32_t> counts_;
  std::size_t total_ = 0;
};

class markov1 {
public:
  void predict(std::size_t k, std::vector<scored_app>& out) const;
  double prob(app_id a) const;
  void update(app_id a);

private:
  const std::unordered_map<app_id, std::uint32_t>* row() const;
  std::unordered_map<app_id, std::unordered_map<app_id, std::uint32_t>> trans_;
  std::unordered_map<app_id, std::uint32_t> totals_;
  most_frequent freq_;
  app_id last_ = no_app;
};

/// Top k of a count map by (count desc, app asc), probabilities count/total.
void top_k_counts(const std::unordered_map<app_id, std::uint32_t>& counts, double total,
                  std::size_t k, std::vector<scored_app>& out);

} // namespace prescient::predict
