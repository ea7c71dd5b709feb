#include "server_thread.hpp"

#include <cstdio>
#include <future>

#include "prescient/node/node.hpp"

namespace prescient::node {

server_thread::server_thread(const listen_address& where, std::string failure_prefix,
                             serve_fn serve) {
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, where, failure_prefix, serve = std::move(serve),
                         ready = std::move(ready)]() mutable {
    try {
      auto io = kj::setupAsyncIo();
      auto addr = io.provider->getNetwork()
                    .parseAddress(where.host, where.port)
                    .wait(io.waitScope);
      auto listener = addr->listen();
      port_ = static_cast<uint16_t>(listener->getPort());
      auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
      stop_ = kj::mv(paf.fulfiller);
      ready.set_value();
      serve(io, kj::mv(listener), kj::mv(paf.promise));
    } catch (const kj::Exception& e) {
      auto what = failure_prefix + where.to_string() + ": " + e.getDescription().cStr();
      try {
        ready.set_exception(std::make_exception_ptr(node_error(what)));
      } catch (const std::future_error&) { // already serving: nobody to throw to
        fprintf(stderr, "prescientd: %s\n", what.c_str());
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

server_thread::~server_thread() {
  stop();
}

void server_thread::stop() {
  if (!thread_.joinable())
    return;
  if (stop_)
    stop_->fulfill();
  thread_.join();
}

} // namespace prescient::node
