#include "gateway_server.hpp"

#include <future>

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include "gateway_impl.hpp"
#include "prescient/node/node.hpp"

namespace prescient::node {

// Set by the gateway thread before the constructor returns; stop() fulfils
// it from any thread (a cross-thread fulfiller is made for that).
struct gateway_server::loop {
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> stop;
};

gateway_server::gateway_server(gateway_context ctx, const listen_address& where)
  : ctx_(std::move(ctx)), loop_(std::make_unique<loop>()) {
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, where, ready = std::move(ready)]() mutable {
    try {
      auto io = kj::setupAsyncIo();
      auto addr = io.provider->getNetwork()
                    .parseAddress(where.host, where.port)
                    .wait(io.waitScope);
      auto listener = addr->listen();
      port_ = static_cast<uint16_t>(listener->getPort());
      admission adm(ctx_.cfg->ingest.max_inflight_events);
      capnp::TwoPartyServer server(kj::heap<node_impl>(ctx_, adm));
      auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
      loop_->stop = kj::mv(paf.fulfiller);
      ready.set_value();
      // Serve until stop() fulfils; then stop accepting and give the RPCs in
      // flight up to the actor timeout to finish before connections close.
      auto serving = server.listen(*listener);
      paf.promise.exclusiveJoin(kj::mv(serving)).wait(io.waitScope);
      listener = nullptr;
      auto deadline = std::chrono::steady_clock::now() + ctx_.timeout;
      while (adm.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
        io.provider->getTimer().afterDelay(10 * kj::MILLISECONDS).wait(io.waitScope);
    } catch (const kj::Exception& e) {
      auto what = std::string("cannot serve RPC on ") + where.to_string() + ": "
                  + e.getDescription().cStr();
      try {
        ready.set_exception(std::make_exception_ptr(node_error(what)));
      } catch (const std::future_error&) {
        fprintf(stderr, "gateway: %s\n", what.c_str());
      }
    }
  });
  try {
    started.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

gateway_server::~gateway_server() {
  stop();
}

void gateway_server::stop() {
  if (!thread_.joinable())
    return;
  if (loop_->stop)
    loop_->stop->fulfill();
  thread_.join();
}

} // namespace prescient::node
