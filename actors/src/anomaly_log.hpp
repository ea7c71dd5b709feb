// The most recent anomalies an actor flagged (a shard: its users'; a
// broker: its data center's demand). Bounded: an actor that flags all day
// keeps the last `capacity` flags and a count, never a growing list.
#pragma once

#include <cstdint>
#include <vector>

#include "prescient/wire/admin.hpp"

namespace prescient {

class anomaly_log {
public:
  static constexpr size_t default_capacity = 256;

  explicit anomaly_log(size_t capacity = default_capacity);

  /// Keeps `a`, dropping the oldest kept flag when full.
  void push(anomaly a);

  /// Up to `limit` kept flags, newest (last pushed) first.
  std::vector<anomaly> recent(size_t limit) const;

  /// The flags pushed since the count was `seen` (those still kept),
  /// oldest first; sets `seen` to the count now. For passing flags on.
  std::vector<anomaly> since(uint64_t& seen) const;

  /// Flags pushed in total (kept or dropped).
  uint64_t flagged() const noexcept {
    return flagged_;
  }
  size_t size() const noexcept {
    return ring_.size();
  }

private:
  std::vector<anomaly> ring_; // grows to capacity_, then overwritten in place
  size_t capacity_;
  size_t next_ = 0; // where the next push goes once full
  uint64_t flagged_ = 0;
};

} // namespace prescient
