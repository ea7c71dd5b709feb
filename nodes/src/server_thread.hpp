// A kj event loop on a thread of its own serving one listening socket: the
// shape the node's two servers (the RPC gateway and /metrics) share. The
// constructor returns once the address is bound, so port() is known and a
// bind failure is the constructor's exception.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <kj/async-io.h>

#include "prescient/node/config.hpp"

namespace prescient::node {

class server_thread {
public:
  /// Runs on the server thread once the address is bound; serves until
  /// `stop` resolves (it may finish work in flight after) and returns.
  using serve_fn = std::function<void(kj::AsyncIoContext& io,
                                      kj::Own<kj::ConnectionReceiver> listener,
                                      kj::Promise<void> stop)>;

  /// Binds `where` (port 0 = any) and starts `serve` on a new thread.
  /// Throws node_error "<failure_prefix><where>: <reason>" when the address
  /// cannot be bound; a later failure is logged to stderr with that prefix.
  server_thread(const listen_address& where, std::string failure_prefix, serve_fn serve);
  ~server_thread();

  server_thread(const server_thread&) = delete;
  server_thread& operator=(const server_thread&) = delete;

  uint16_t port() const noexcept {
    return port_;
  }

  /// Resolves `stop` and joins the thread. Idempotent; any thread.
  void stop();

private:
  std::thread thread_;
  std::atomic<uint16_t> port_{0};
  // Set on the server thread before the constructor returns.
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> stop_;
};

} // namespace prescient::node
