#include "bare_rpc.hpp"

#include <chrono>
#include <future>
#include <thread>

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include "ping.capnp.h"

namespace prescient::bench {

namespace {

class ping_impl final : public schema::Ping::Server {
protected:
  kj::Promise<void> ping(PingContext) override {
    return kj::READY_NOW;
  }
};

// The server runs its own event loop on its own thread, like the node's
// gateway, so a call crosses threads and the socket as a real one does.
class ping_server {
public:
  ping_server() {
    std::promise<uint16_t> ready;
    auto bound = ready.get_future();
    thread_ = std::thread([this, ready = std::move(ready)]() mutable {
      try {
        auto io = kj::setupAsyncIo();
        auto addr = io.provider->getNetwork().parseAddress("127.0.0.1", 0).wait(io.waitScope);
        auto listener = addr->listen();
        capnp::TwoPartyServer server(kj::heap<ping_impl>());
        auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
        stop_ = kj::mv(paf.fulfiller);
        ready.set_value(static_cast<uint16_t>(listener->getPort()));
        paf.promise.exclusiveJoin(server.listen(*listener)).wait(io.waitScope);
      } catch (...) {
        try {
          ready.set_exception(std::current_exception());
        } catch (const std::future_error&) {
        }
      }
    });
    try {
      port_ = bound.get();
    } catch (...) {
      thread_.join();
      throw;
    }
  }

  ~ping_server() {
    stop_->fulfill();
    thread_.join();
  }

  uint16_t port() const {
    return port_;
  }

private:
  std::thread thread_;
  uint16_t port_ = 0;
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> stop_;
};

} // namespace

std::vector<double> bare_rpc_round_trips(size_t calls, size_t warmup) {
  ping_server server;
  auto io = kj::setupAsyncIo();
  auto addr =
    io.provider->getNetwork().parseAddress("127.0.0.1", server.port()).wait(io.waitScope);
  auto stream = addr->connect().wait(io.waitScope);
  capnp::TwoPartyClient client(*stream);
  auto ping = client.bootstrap().castAs<schema::Ping>();
  std::vector<double> out;
  out.reserve(calls);
  for (size_t i = 0; i < warmup + calls; ++i) {
    auto start = std::chrono::steady_clock::now();
    ping.pingRequest().send().wait(io.waitScope);
    if (i >= warmup)
      out.push_back(std::chrono::duration<double, std::micro>(
                      std::chrono::steady_clock::now() - start)
                      .count());
  }
  return out;
}

} // namespace prescient::bench
