// A running Prescient node: storage, the actor system and its actors, the
// Cap'n Proto RPC gateway and, when configured, the /metrics endpoint.
// prescientd is a thin main() around this class; tests run nodes
// in-process with it too.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>

#include "prescient/node/config.hpp"

namespace prescient::node {

/// Why a node could not start: the reason is one line for the operator.
class node_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Makes glibc malloc use one arena for all threads. Call first thing in
/// main(). By default glibc gives contending threads arenas of their own;
/// the long-lived profile state then spreads over arenas interleaved with
/// short-lived event batches freed on other threads, and resident memory
/// grows with fragmentation (measured by prescient-bench: ~1.6 KB per
/// profile with one arena, 2–3 KB and unstable with the default). Small
/// allocations stay thread-local in glibc's tcache either way. An explicit
/// MALLOC_ARENA_MAX in the environment is left alone.
void use_single_malloc_arena();

class node {
public:
  /// Opens storage under cfg.node.data_dir, recovers every shard from its
  /// write-ahead log, spawns the actors and starts serving RPC.
  /// Throws node_error when any of that fails.
  explicit node(node_config cfg);

  /// Stops if still running.
  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// The port the RPC gateway listens on (the bound one when 0 was asked).
  uint16_t rpc_port() const noexcept;

  /// The port of the Prometheus endpoint (the bound one when 0 was asked);
  /// 0 when `node.metrics_listen` is off.
  uint16_t metrics_port() const noexcept;

  /// Graceful stop: refuses new RPCs, finishes the ones in flight, writes
  /// a checkpoint of every shard, stops the actors and closes storage.
  /// Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace prescient::node
