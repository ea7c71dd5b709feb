// The KJ side of the client: connection, reconnects, batches in flight and
// deadlines. Lives on the I/O thread and is only touched there. Private.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include "batch_source.hpp"
#include "error_text.hpp"
#include "prescient/client.hpp"
#include "prescient/schema/rpc.capnp.h"

namespace prescient::detail {

/// A value or the failure that replaced it; crosses back to the caller.
template <typename T>
struct outcome {
  std::optional<T> value;
  failure error{client_error::code::closed, "the client is closed"};
};

class io_state final : private kj::TaskSet::ErrorHandler {
public:
  /// One TCP connection and the capabilities obtained over it.
  struct connection {
    /// Logs in with `token` when it is not empty (pipelined: the first
    /// calls do not wait for the login's reply, and fail with its error).
    connection(kj::Own<kj::AsyncIoStream> s, const std::string& token);
    kj::Own<kj::AsyncIoStream> stream;
    capnp::TwoPartyClient rpc;
    schema::Node::Client node;
    schema::Gateway::Client gateway;
    schema::Admin::Client admin;
  };

  io_state(kj::AsyncIoContext& io, const client_options& opts,
           batch_source& source);
  ~io_state() noexcept(false);

  /// Resolves once stop() was called.
  kj::Promise<void> stopped();
  void stop();

  /// Opens the connection unless one is open or being opened.
  void connect_eagerly();

  /// Takes the source's sealed batches and sends them.
  void pull();

  void arm_linger(uint64_t generation);

  /// Runs `fn` on a live connection within the RPC deadline. Transport
  /// failures retry on the next connection when `idempotent` or when `fn`
  /// never ran; other failures are the node's refusal (rejected).
  template <typename T>
  kj::Promise<outcome<T>>
  call(std::function<kj::Promise<T>(connection&)> fn, bool idempotent);

private:
  enum class link { idle, connecting, connected, backing_off };

  struct in_flight {
    batch b;
    kj::TimePoint deadline;
    uint64_t sent_on = 0; // connection generation; 0 = must be (re-)sent
    kj::Own<kj::PromiseFulfiller<void>> cancel; // aborts the current RPC
  };

  void taskFailed(kj::Exception&& e) override;

  kj::Promise<void> when_connected();
  void start_connect();
  void on_connected(kj::Own<kj::AsyncIoStream> stream);
  void on_connect_failed(const std::string& reason);
  void lost(uint64_t generation, const std::string& reason);
  void back_off();
  bool has_work();

  void send_pending();
  void send(in_flight& f);
  void on_batch_error(uint64_t id, uint64_t generation, kj::Exception&& e);
  void expire(uint64_t id);
  void finish(uint64_t id, const failure* f);
  failure unreachable_or_timeout() const;

  template <typename T>
  kj::Promise<outcome<T>> attempt(std::shared_ptr<std::function<kj::Promise<T>(connection&)>> fn,
                                  bool idempotent);

  kj::AsyncIoContext& io_;
  client_options opts_;
  batch_source& source_;
  kj::Duration timeout_;
  kj::Duration backoff_;
  kj::Duration first_backoff_;

  link link_ = link::idle;
  uint64_t generation_ = 0;
  kj::Maybe<kj::Own<connection>> conn_;
  std::string last_error_ = "not connected yet";
  std::vector<kj::Own<kj::PromiseFulfiller<void>>> waiters_;
  std::map<uint64_t, in_flight> in_flight_;
  kj::Own<kj::PromiseFulfiller<void>> stop_;
  kj::Maybe<kj::Promise<void>> stop_promise_;
  kj::TaskSet tasks_; // last: destroyed first, cancelling everything above
};

template <typename T>
kj::Promise<outcome<T>>
io_state::attempt(std::shared_ptr<std::function<kj::Promise<T>(connection&)>> fn,
                  bool idempotent) {
  auto ran = std::make_shared<uint64_t>(0); // generation fn ran on
  return when_connected()
    .then([this, fn, ran]() -> kj::Promise<T> {
      KJ_IF_MAYBE (c, conn_) {
        *ran = generation_;
        return (*fn)(**c);
      }
      return KJ_EXCEPTION(DISCONNECTED, "connection lost");
    })
    .then(
      [](T&& v) -> kj::Promise<outcome<T>> {
        outcome<T> o;
        o.value.emplace(kj::mv(v));
        return kj::mv(o);
      },
      [this, fn, ran, idempotent](kj::Exception&& e) -> kj::Promise<outcome<T>> {
        if (!is_transport_failure(e))
          return outcome<T>{std::nullopt,
                            {client_error::code::rejected, clean_reason(e)}};
        auto reason = clean_reason(e);
        if (*ran != 0)
          lost(*ran, reason);
        if (idempotent || *ran == 0)
          return attempt<T>(fn, idempotent);
        return outcome<T>{
          std::nullopt,
          {client_error::code::disconnected,
           "connection to " + opts_.address
             + " lost before the reply (the node may have acted on the call): "
             + reason}};
      });
}

template <typename T>
kj::Promise<outcome<T>>
io_state::call(std::function<kj::Promise<T>(connection&)> fn, bool idempotent) {
  auto shared = std::make_shared<std::function<kj::Promise<T>(connection&)>>(
    std::move(fn));
  return attempt<T>(shared, idempotent)
    .exclusiveJoin(io_.provider->getTimer().afterDelay(timeout_).then([this] {
      return outcome<T>{std::nullopt, unreachable_or_timeout()};
    }));
}

} // namespace prescient::detail
