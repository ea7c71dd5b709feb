#include "io_state.hpp"

#include <algorithm>

#include "prescient/wire/convert.hpp"

namespace prescient::detail {

namespace {

constexpr auto max_backoff = 5 * kj::SECONDS;

kj::Duration to_kj(std::chrono::milliseconds d) {
  return std::max<int64_t>(d.count(), 0) * kj::MILLISECONDS;
}

} // namespace

io_state::connection::connection(kj::Own<kj::AsyncIoStream> s,
                                 const std::string& token)
  : stream(kj::mv(s)),
    rpc(*stream),
    node(rpc.bootstrap().castAs<schema::Node>()),
    gateway(nullptr),
    admin(nullptr) {
  if (token.empty()) {
    gateway = node.gatewayRequest().send().getGateway();
    admin = node.adminRequest().send().getAdmin();
    return;
  }
  auto login = node.loginRequest();
  login.setToken(token);
  auto reply = login.send();
  gateway = reply.getGateway();
  admin = reply.getAdmin();
}

io_state::io_state(kj::AsyncIoContext& io, const client_options& opts,
                   batch_source& source)
  : io_(io),
    opts_(opts),
    source_(source),
    timeout_(to_kj(opts.timeout)),
    backoff_(to_kj(opts.reconnect_backoff)),
    first_backoff_(to_kj(opts.reconnect_backoff)),
    tasks_(*this) {
  auto paf = kj::newPromiseAndFulfiller<void>();
  stop_ = kj::mv(paf.fulfiller);
  stop_promise_ = kj::mv(paf.promise);
}

io_state::~io_state() noexcept(false) {
  // nop: tasks_, declared last, is destroyed first, cancelling timers and
  // RPCs before the connection they refer to goes away.
}

kj::Promise<void> io_state::stopped() {
  KJ_IF_MAYBE (p, stop_promise_) {
    auto result = kj::mv(*p);
    stop_promise_ = nullptr;
    return result;
  }
  return kj::READY_NOW;
}

void io_state::stop() {
  stop_->fulfill();
}

void io_state::taskFailed(kj::Exception&&) {
  // nop: every task handles its own errors; what gets here is a cancellation.
}

// -- connection --------------------------------------------------------------

kj::Promise<void> io_state::when_connected() {
  if (link_ == link::connected)
    return kj::READY_NOW;
  auto paf = kj::newPromiseAndFulfiller<void>();
  waiters_.push_back(kj::mv(paf.fulfiller));
  if (link_ == link::idle)
    start_connect();
  return kj::mv(paf.promise);
}

void io_state::connect_eagerly() {
  if (link_ == link::idle)
    start_connect();
}

void io_state::start_connect() {
  link_ = link::connecting;
  auto& net = io_.provider->getNetwork();
  auto attempt =
    net.parseAddress(opts_.address)
      .then([](kj::Own<kj::NetworkAddress> addr) {
        auto p = addr->connect();
        return p.attach(kj::mv(addr));
      })
      .exclusiveJoin(io_.provider->getTimer().afterDelay(timeout_).then(
        []() -> kj::Own<kj::AsyncIoStream> {
          kj::throwFatalException(
            KJ_EXCEPTION(DISCONNECTED, "connect timed out"));
        }));
  tasks_.add(attempt.then(
    [this](kj::Own<kj::AsyncIoStream> s) { on_connected(kj::mv(s)); },
    [this](kj::Exception&& e) { on_connect_failed(clean_reason(e)); }));
}

void io_state::on_connected(kj::Own<kj::AsyncIoStream> stream) {
  auto c = kj::heap<connection>(kj::mv(stream), opts_.token);
  auto generation = ++generation_;
  tasks_.add(c->rpc.onDisconnect().then(
    [this, generation] { lost(generation, "the node closed the connection"); },
    [this, generation](kj::Exception&& e) { lost(generation, clean_reason(e)); }));
  conn_ = kj::mv(c);
  link_ = link::connected;
  backoff_ = first_backoff_;
  last_error_.clear();
  for (auto& w : waiters_)
    w->fulfill();
  waiters_.clear();
  send_pending();
}

void io_state::on_connect_failed(const std::string& reason) {
  last_error_ = reason;
  back_off();
}

void io_state::lost(uint64_t generation, const std::string& reason) {
  if (generation != generation_ || link_ != link::connected)
    return;
  last_error_ = reason;
  // Whatever was sent on this connection must be re-sent on the next one.
  for (auto& [id, f] : in_flight_)
    if (f.sent_on == generation) {
      f.sent_on = 0;
      if (f.cancel)
        f.cancel->fulfill();
    }
  // We may be running inside a callback of the connection: destroy it later.
  KJ_IF_MAYBE (c, conn_) {
    tasks_.add(kj::evalLater([c = kj::mv(*c)]() mutable { c = nullptr; }));
  }
  conn_ = nullptr;
  back_off();
}

void io_state::back_off() {
  link_ = link::backing_off;
  auto delay = backoff_;
  backoff_ = std::min(backoff_ * 2, max_backoff);
  tasks_.add(io_.provider->getTimer().afterDelay(delay).then([this] {
    link_ = link::idle;
    if (has_work())
      start_connect();
  }));
}

bool io_state::has_work() {
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(),
                                [](auto& w) { return !w->isWaiting(); }),
                 waiters_.end());
  return !waiters_.empty() || !in_flight_.empty();
}

failure io_state::unreachable_or_timeout() const {
  if (link_ == link::connected)
    return {client_error::code::timeout,
            "no reply from the node at " + opts_.address + " within "
              + std::to_string(opts_.timeout.count()) + " ms"};
  return {client_error::code::disconnected,
          "cannot reach the node at " + opts_.address + ": " + last_error_};
}

// -- batches -----------------------------------------------------------------

void io_state::pull() {
  auto fresh = source_.take_sealed();
  if (fresh.empty())
    return;
  auto deadline = io_.provider->getTimer().now() + timeout_;
  for (auto& b : fresh) {
    auto id = b.id;
    in_flight_.emplace(id, in_flight{kj::mv(b), deadline, 0, {}});
    tasks_.add(io_.provider->getTimer().atTime(deadline).then(
      [this, id] { expire(id); }));
  }
  if (link_ == link::connected)
    send_pending();
  else if (link_ == link::idle)
    start_connect();
}

void io_state::arm_linger(uint64_t generation) {
  tasks_.add(io_.provider->getTimer()
               .afterDelay(to_kj(opts_.linger))
               .then([this, generation] {
                 source_.linger_expired(generation);
                 pull();
               }));
}

void io_state::send_pending() {
  for (auto& [id, f] : in_flight_) // std::map: oldest first
    if (f.sent_on != generation_ && link_ == link::connected)
      send(f);
}

void io_state::send(in_flight& f) {
  auto* c = KJ_ASSERT_NONNULL(conn_).get();
  auto req = c->gateway.submitEventsRequest();
  auto list = req.initEvents(static_cast<unsigned>(f.b.events.size()));
  for (size_t i = 0; i < f.b.events.size(); ++i)
    wire::to_capnp(f.b.events[i], list[static_cast<unsigned>(i)]);
  auto id = f.b.id;
  auto generation = generation_;
  f.sent_on = generation;
  auto paf = kj::newPromiseAndFulfiller<void>();
  f.cancel = kj::mv(paf.fulfiller);
  tasks_.add(req.send()
               .then([this, id](auto&&) { finish(id, nullptr); },
                     [this, id, generation](kj::Exception&& e) {
                       on_batch_error(id, generation, kj::mv(e));
                     })
               .exclusiveJoin(kj::mv(paf.promise)));
}

void io_state::on_batch_error(uint64_t id, uint64_t generation,
                              kj::Exception&& e) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end() || it->second.sent_on != generation)
    return;
  if (is_transport_failure(e)) {
    // At least once: the batch waits for the next connection (lost() marks
    // it), until its deadline.
    lost(generation, clean_reason(e));
    it->second.sent_on = 0;
    return;
  }
  failure f{client_error::code::rejected, clean_reason(e)};
  finish(id, &f);
}

void io_state::expire(uint64_t id) {
  if (in_flight_.count(id) == 0)
    return;
  auto f = unreachable_or_timeout();
  finish(id, &f);
}

void io_state::finish(uint64_t id, const failure* f) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end())
    return;
  auto events = it->second.b.events.size();
  if (it->second.cancel)
    it->second.cancel->fulfill();
  in_flight_.erase(it);
  source_.batch_done(id, events, f);
  pull(); // a slot is free: a lingering partial batch may have been sealed
}

} // namespace prescient::detail
