// The Cap'n Proto RPC server of a node: a kj event loop on its own thread
// serving the bootstrap Node capability (Gateway + Admin). Input is
// validated here, at the one edge where wire types become value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <caf/actor.hpp>

#include "prescient/actors/admin_actor.hpp"
#include "prescient/actors/router_actor.hpp"
#include "prescient/node/config.hpp"
#include "server_thread.hpp"

namespace prescient::node {

/// What the gateway talks to.
struct gateway_context {
  const node_config* cfg = nullptr;
  caf::actor bridge;
  router_actor router;
  admin_actor admin;
  std::chrono::milliseconds timeout{10'000}; ///< bound on every actor request
};

class gateway_server {
public:
  /// Binds the listen address and starts serving; throws node_error when
  /// the address cannot be bound.
  gateway_server(gateway_context ctx, const listen_address& where);
  ~gateway_server();

  uint16_t port() const noexcept {
    return server_->port();
  }

  /// Stops accepting, waits (bounded) for RPCs in flight, then closes every
  /// connection and joins the thread. Idempotent.
  void stop();

private:
  gateway_context ctx_;
  std::unique_ptr<server_thread> server_; // after ctx_: it serves with it
};

} // namespace prescient::node
