#include "prescient/predict/baselines.hpp"

#include <algorithm>

namespace prescient::predict {

void top_k_counts(const std::unordered_map<app_id, std::uint32_t>& counts, double total,
                  std::size_t k, std::vector<scored_app>& out) {
  out.clear();
  if (total <= 0) return;
  std::vector<std::pair<std::uint32_t, app_id>> v;
  v.reserve(counts.size());
  for (auto& [a, c] : counts) v.emplace_back(c, a);
  auto cmp = [](auto& l, auto& r) { return l.first != r.first ? l.first > r.first : l.second < r.second; };
  k = std::min(k, v.size());
  std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end(), cmp);
  for (std::size_t i = 0; i < k; ++i) out.push_back({v[i].second, v[i].first / total});
}

void most_frequent::predict(std::size_t k, std::vector<scored_app>& out) const {
  top_k_counts(counts_, double(total_), k, out);
}

double most_frequent::prob(app_id a) const {
  if (total_ == 0) return 0;
  auto it = counts_.find(a);
  return it == counts_.end() ? 0.0 : double(it->second) / double(total_);
}

void most_frequent::update(app_id a) {
  ++counts_[a];
  ++total_;
}

const std::unordered_map<app_id, std::uint32_t>* markov1::row() const {
  if (last_ == no_app) return nullptr;
  auto it = trans_.find(last_);
  return it == trans_.end() || it->second.empty() ? nullptr : &it->second;
}

void markov1::predict(std::size_t k, std::vector<scored_app>& out) const {
  if (auto* r = row())
    top_k_counts(*r, double(totals_.at(last_)), k, out);
  else
    freq_.predict(k, out);
}

double markov1::prob(app_id a) const {
  if (auto* r = row()) {
    auto it = r->find(a);
    return it == r->end() ? 0.0 : double(it->second) / double(totals_.at(last_));
  }
  return freq_.prob(a);
}

void markov1::update(app_id a) {
  if (last_ != no_app) {
    ++trans_[last_][a];
    ++totals_[last_];
  }
  freq_.update(a);
  last_ = a;
}

} // namespace prescient::predict
