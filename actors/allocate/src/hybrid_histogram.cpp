// The hybrid histogram policy of Shahrad et al. (see baselines.hpp).
#include <cmath>
#include <vector>

#include "prescient/allocate/baselines.hpp"
#include "prescient/allocate/idle_predictor.hpp"

namespace prescient::allocate {

namespace {

// Margins are applied in floating point; the slack keeps 0.9·30 from
// flooring to 26 and 1.1·10 from ceiling to 12.
int floor_minutes(double x) { return static_cast<int>(std::floor(x + 1e-9)); }
int ceil_minutes(double x) { return static_cast<int>(std::ceil(x - 1e-9)); }

class hybrid_histogram final : public policy {
public:
  explicit hybrid_histogram(const hybrid_params& p) : p_(p), bins_(static_cast<std::size_t>(p.range), 0) {}

  window on_invocation(minute_t minute, std::uint64_t) override {
    if (seen_) add_idle(minute - last_ - 1);
    seen_ = true;
    last_ = minute;
    const std::uint64_t total = in_range_ + out_of_range_;
    if (total > 0 && static_cast<double>(out_of_range_) > p_.oob_share * static_cast<double>(total)) {
      const double next = predictor_.predict();
      return {floor_minutes((1 - p_.ts_margin) * next), ceil_minutes((1 + p_.ts_margin) * next)};
    }
    if (!representative()) return {0, p_.range};
    const int head = percentile(p_.head), tail = percentile(p_.tail);
    return {floor_minutes((1 - p_.margin) * head), ceil_minutes((1 + p_.margin) * (tail + 1))};
  }

private:
  void add_idle(minute_t idle) {
    predictor_.add(static_cast<double>(idle));
    if (idle >= p_.range) {
      ++out_of_range_;
      return;
    }
    auto& c = bins_[static_cast<std::size_t>(idle)];
    sum_squares_ += 2 * c + 1;  // (c+1)² − c²
    ++c;
    ++in_range_;
  }

  bool representative() const {
    if (in_range_ < static_cast<std::uint64_t>(p_.min_samples) || in_range_ == 0) return false;
    // Population CV of the bin counts: sqrt(E[c²] − E[c]²) / E[c].
    const double n = static_cast<double>(bins_.size());
    const double mean = static_cast<double>(in_range_) / n;
    const double var = static_cast<double>(sum_squares_) / n - mean * mean;
    return std::sqrt(std::max(0.0, var)) / mean >= p_.min_cv;
  }

  /// Nearest-rank percentile of the in-range idle times (a bin index).
  int percentile(double pct) const {
    auto rank = static_cast<std::uint64_t>(std::ceil(pct / 100.0 * static_cast<double>(in_range_) - 1e-9));
    rank = std::max<std::uint64_t>(1, std::min(rank, in_range_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bins_.size(); ++i) {
      seen += bins_[i];
      if (seen >= rank) return static_cast<int>(i);
    }
    return static_cast<int>(bins_.size()) - 1;
  }

  hybrid_params p_;
  std::vector<std::uint32_t> bins_;  // 1 KB per app at the default range
  std::uint64_t in_range_ = 0, out_of_range_ = 0, sum_squares_ = 0;
  idle_predictor predictor_;
  minute_t last_ = 0;
  bool seen_ = false;
};

class hybrid_factory final : public policy_factory {
public:
  explicit hybrid_factory(hybrid_params p) : p_(p) {}
  std::unique_ptr<policy> make(const app_info&) override { return std::make_unique<hybrid_histogram>(p_); }
private:
  hybrid_params p_;
};

} // namespace

std::unique_ptr<policy_factory> make_hybrid_histogram(hybrid_params p) {
  return std::make_unique<hybrid_factory>(p);
}

} // namespace prescient::allocate
