// What the I/O thread needs from the caller-side buffer (client.cpp): sealed
// batches to send, and a place to report how each one ended. Private.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prescient/client.hpp"

namespace prescient::detail {

struct failure {
  client_error::code kind;
  std::string message;
};

/// Events sent in one submitEvents call; ids grow in the order batches are
/// sealed, which is also the order they are (re-)sent in.
struct batch {
  uint64_t id = 0;
  std::vector<usage_event> events;
};

/// Implemented by the client; every method is called on the I/O thread and
/// must not block on the I/O thread.
class batch_source {
public:
  virtual ~batch_source() = default;

  /// Hands over the batches sealed since the last call, oldest first.
  virtual std::vector<batch> take_sealed() = 0;

  /// The batch was acknowledged (`f == nullptr`) or failed for good.
  virtual void batch_done(uint64_t id, size_t events, const failure* f) = 0;

  /// The linger timer armed for partial-batch `generation` expired.
  virtual void linger_expired(uint64_t generation) = 0;

  /// The I/O thread stopped; nothing pending will ever complete.
  virtual void io_stopped() = 0;
};

} // namespace prescient::detail
