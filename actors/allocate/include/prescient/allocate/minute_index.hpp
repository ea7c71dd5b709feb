// The apps invoked in each minute of a trace, in trace order within a
// minute. Every replay of a trace (the simulator, the replay through the
// brokers) drives the apps' policies in this order, so a factory's shared
// state never sees the future and two replays ask the policies the same
// questions in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "prescient/allocate/trace.hpp"

namespace prescient::allocate {

class minute_index {
public:
  /// Indexes every invocation minute once (4 bytes each), by counting sort.
  /// Covers invocations outside [first_minute, last_minute] too (a
  /// hand-made trace), so nothing is written out of bounds.
  explicit minute_index(const trace& t);

  /// The first minute indexed: the trace's first minute or an earlier
  /// invocation.
  minute_t origin() const noexcept { return origin_; }
  /// Minutes indexed, from origin() on.
  std::size_t minutes() const noexcept { return first_.size() - 1; }
  /// The apps (indexes into trace::apps) invoked in minute origin() + k.
  const std::uint32_t* begin(std::size_t k) const noexcept { return apps_.data() + first_[k]; }
  const std::uint32_t* end(std::size_t k) const noexcept { return apps_.data() + first_[k + 1]; }

private:
  minute_t origin_;
  std::vector<std::size_t> first_;   ///< per minute: start in apps_ (one past the last: the end)
  std::vector<std::uint32_t> apps_;  ///< apps invoked, minute by minute
};

} // namespace prescient::allocate
