#include "anomaly_log.hpp"

#include <algorithm>

namespace prescient {

anomaly_log::anomaly_log(size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {
}

void anomaly_log::push(anomaly a) {
  ++flagged_;
  if (ring_.size() < capacity_) {
    ring_.push_back(std::move(a));
    return;
  }
  ring_[next_] = std::move(a);
  next_ = (next_ + 1) % capacity_;
}

std::vector<anomaly> anomaly_log::recent(size_t limit) const {
  std::vector<anomaly> out;
  auto n = std::min(limit, ring_.size());
  out.reserve(n);
  // The newest is just before next_ (once full; before the end until then).
  auto newest = ring_.size() < capacity_ ? ring_.size() : next_ + ring_.size();
  for (size_t k = 1; k <= n; ++k)
    out.push_back(ring_[(newest - k) % ring_.size()]);
  return out;
}

std::vector<anomaly> anomaly_log::since(uint64_t& seen) const {
  auto fresh = recent(static_cast<size_t>(std::min<uint64_t>(flagged_ - seen, capacity_)));
  std::reverse(fresh.begin(), fresh.end());
  seen = flagged_;
  return fresh;
}

} // namespace prescient
