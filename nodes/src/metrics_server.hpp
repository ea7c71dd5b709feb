// The node's Prometheus endpoint: GET /metrics on an HTTP/1.1 server with
// its own kj event loop and thread, started when `node.metrics_listen` is
// set. It never blocks the actor system: each scrape is gathered through the
// bridge actor with bounded requests (see metrics_snapshot.hpp).
#pragma once

#include <cstdint>
#include <memory>

#include "metrics_snapshot.hpp"
#include "prescient/node/config.hpp"
#include "server_thread.hpp"

namespace prescient::node {

class metrics_server {
public:
  /// Binds `where` (port 0 = any) and starts serving; throws node_error
  /// naming `node.metrics_listen` when the address cannot be bound.
  /// A scrape not gathered within `src.timeout` answers 503 with the reason.
  metrics_server(metrics_sources src, const listen_address& where);
  ~metrics_server();

  /// The bound port.
  uint16_t port() const noexcept {
    return server_->port();
  }

  /// Stops accepting, drops the connections and joins the thread (scrapes
  /// in flight are cut off; Prometheus retries). Idempotent.
  void stop();

private:
  metrics_sources src_;
  std::unique_ptr<server_thread> server_; // after src_: it serves with it
};

} // namespace prescient::node
