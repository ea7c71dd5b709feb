// The bridge between the kj event loop of the RPC gateway and the actors.
// The gateway thread never blocks on an actor: it posts a job to the bridge
// actor, which makes the request with a timeout, and the reply resolves a
// kj promise through a cross-thread fulfiller.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <kj/async.h>

#include "prescient/actors/errc.hpp"

namespace prescient::node {

/// Work run inside the bridge actor; it may start requests with `self`.
using bridge_job = std::function<void(caf::event_based_actor* self)>;

} // namespace prescient::node

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(prescient::node::bridge_job)

namespace prescient::node {

caf::actor spawn_bridge(caf::actor_system& sys);

/// An RPC exception whose description is exactly `reason` (one line).
kj::Exception rpc_error(std::string reason);

/// Asks `dest` with `args...` from the bridge and returns a promise for the
/// reply, to be awaited on the calling kj thread. Errors become
/// rpc_error(describe(error)).
template <class T, class Dest, class... Ts>
kj::Promise<T> ask(caf::actor bridge, Dest dest, std::chrono::milliseconds timeout,
                   Ts... args) {
  auto paf = kj::newPromiseAndCrossThreadFulfiller<T>();
  auto f = std::make_shared<kj::Own<kj::CrossThreadPromiseFulfiller<T>>>(
    kj::mv(paf.fulfiller));
  caf::anon_send(bridge, bridge_job{[=](caf::event_based_actor* self) {
    self->request(dest, timeout, args...)
      .then([f](T& x) { (*f)->fulfill(kj::mv(x)); },
            [f](caf::error& err) { (*f)->reject(rpc_error(prescient::describe(err))); });
  }});
  return kj::mv(paf.promise);
}

} // namespace prescient::node
