// Log-linear histogram of latencies in microseconds: 8 sub-buckets per
// power of two, so a percentile is within ~9% of the true value, in a few
// hundred bytes and O(1) per sample — cheap enough for every request.
#pragma once

#include <array>
#include <cstdint>

namespace prescient {

class latency_histogram {
public:
  void add(int64_t us) noexcept;
  /// The q-quantile (0 < q ≤ 1) in µs; 0 when empty.
  double quantile(double q) const noexcept;
  uint64_t count() const noexcept {
    return count_;
  }

private:
  static constexpr int sub = 8;
  static constexpr int buckets = 40 * sub;
  static int index(uint64_t us) noexcept;
  static double value(int i) noexcept;
  std::array<uint64_t, buckets> counts_{};
  uint64_t count_ = 0;
};

} // namespace prescient
