#include "gateway_server.hpp"

#include <capnp/rpc-twoparty.h>

#include "gateway_impl.hpp"

namespace prescient::node {

gateway_server::gateway_server(gateway_context ctx, const listen_address& where)
  : ctx_(std::move(ctx)) {
  server_ = std::make_unique<server_thread>(
    where, "cannot serve RPC on ",
    [this](kj::AsyncIoContext& io, kj::Own<kj::ConnectionReceiver> listener,
           kj::Promise<void> stop) {
      admission adm(ctx_.cfg->ingest.max_inflight_events);
      capnp::TwoPartyServer server(kj::heap<node_impl>(ctx_, adm));
      // Serve until stop() fulfils; then stop accepting and give the RPCs in
      // flight up to the actor timeout to finish before connections close.
      auto serving = server.listen(*listener);
      stop.exclusiveJoin(kj::mv(serving)).wait(io.waitScope);
      listener = nullptr;
      auto deadline = std::chrono::steady_clock::now() + ctx_.timeout;
      while (adm.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
        io.provider->getTimer().afterDelay(10 * kj::MILLISECONDS).wait(io.waitScope);
    });
}

gateway_server::~gateway_server() {
  stop();
}

void gateway_server::stop() {
  server_->stop();
}

} // namespace prescient::node
