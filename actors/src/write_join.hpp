// Joining the parts of one write (private to the router): a client's
// batch is written as several parts (per shard, per node, per replica) and
// answered once, when all are durable or the first one failed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <caf/expected.hpp>

namespace prescient {

using write_done = std::function<void(caf::expected<uint32_t>)>;

/// Joins several writes into one answer: `done` runs once, with the sum of
/// the counted parts once every part is written, or with the first error.
/// Parts that succeed keep their events (they are durable); the caller
/// retries the batch, so some events may be stored twice.
class write_join : public std::enable_shared_from_this<write_join> {
public:
  static std::shared_ptr<write_join> make(size_t parts, write_done done) {
    auto j = std::make_shared<write_join>();
    j->pending_ = parts;
    j->done_ = std::move(done);
    if (parts == 0)
      j->done_(uint32_t{0});
    return j;
  }
  /// The callback of one part; `counted` = false for a copy of events
  /// another part counts (a replica's).
  write_done part(bool counted = true) {
    return [j = shared_from_this(), counted](caf::expected<uint32_t> r) {
      if (j->failed_)
        return;
      if (!r) {
        j->failed_ = true;
        j->done_(r.error());
        return;
      }
      if (counted)
        j->applied_ += *r;
      if (--j->pending_ == 0)
        j->done_(j->applied_);
    };
  }

private:
  size_t pending_ = 0;
  uint32_t applied_ = 0;
  bool failed_ = false;
  write_done done_;
};

} // namespace prescient
