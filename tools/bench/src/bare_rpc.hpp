// The floor under a grant decision: bare Cap'n Proto RPC round trips to a
// trivial in-process server (ping.capnp) over a loopback TCP socket.
#pragma once

#include <cstddef>
#include <vector>

namespace prescient::bench {

/// Starts a Ping server on 127.0.0.1 (any port) on its own thread, makes
/// `warmup` unmeasured calls and then `calls` sequential ones from the
/// calling thread, and returns each measured round trip in microseconds.
/// Throws kj::Exception when the loopback socket cannot be used.
std::vector<double> bare_rpc_round_trips(size_t calls, size_t warmup);

} // namespace prescient::bench
