#include "latency_histogram.hpp"

#include <cmath>

namespace prescient {

int latency_histogram::index(uint64_t us) noexcept {
  if (us < sub)
    return static_cast<int>(us);
  int exp = 63 - __builtin_clzll(us); // floor(log2(us)) ≥ 3
  int shift = exp - 3;
  int i = (exp - 2) * sub + static_cast<int>((us >> shift) & (sub - 1));
  return i < buckets ? i : buckets - 1;
}

double latency_histogram::value(int i) noexcept {
  if (i < sub)
    return i;
  int exp = i / sub + 2;
  int frac = i % sub;
  // Midpoint of the bucket.
  return std::ldexp(1.0, exp) * (1.0 + (frac + 0.5) / sub);
}

void latency_histogram::add(int64_t us) noexcept {
  ++counts_[index(us < 0 ? 0 : static_cast<uint64_t>(us))];
  ++count_;
}

double latency_histogram::quantile(double q) const noexcept {
  if (count_ == 0)
    return 0;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0)
    rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < buckets; ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return value(i);
  }
  return value(buckets - 1);
}

} // namespace prescient
