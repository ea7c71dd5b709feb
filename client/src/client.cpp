// Caller side of the client: validation, the partial batch, backpressure and
// flush bookkeeping. Everything that talks to the node is in io_loop.
#include "prescient/client.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>

#include "io_loop.hpp"
#include "prescient/wire/validate.hpp"

namespace prescient {

client_error::client_error(code kind, const std::string& message)
  : std::runtime_error(message), kind_(kind) {
  // nop
}

const char* to_string(client_error::code c) noexcept {
  switch (c) {
    case client_error::code::timeout:
      return "timeout";
    case client_error::code::rejected:
      return "rejected";
    case client_error::code::disconnected:
      return "disconnected";
    case client_error::code::closed:
      return "closed";
  }
  return "unknown";
}

namespace {

client_options sanitized(client_options o) {
  o.batch_size = std::clamp<size_t>(o.batch_size, 1, limits::max_batch_events);
  o.max_in_flight = std::max<size_t>(o.max_in_flight, 1);
  return o;
}

[[noreturn]] void throw_closed() {
  throw client_error(client_error::code::closed, "the client is closed");
}

} // namespace

struct client::impl final : detail::batch_source {
  explicit impl(client_options o) : opts(sanitized(std::move(o))) {
    io = std::make_unique<detail::io_loop>(opts, *this);
  }

  // -- caller side (holding `mu` unless noted) --------------------------------

  bool slot_free() const {
    return unacked < opts.max_in_flight;
  }

  void seal() {
    auto id = next_id++;
    sealed.push_back({id, std::move(partial)});
    partial.clear();
    pending.insert(id);
    ++unacked;
    ++partial_generation;
    linger_due = false;
  }

  void add(std::vector<usage_event>& events) {
    size_t i = 0;
    while (i < events.size()) {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, [this] { return closed || slot_free(); });
      if (closed)
        throw_closed();
      bool was_empty = partial.empty();
      while (i < events.size() && partial.size() < opts.batch_size)
        partial.push_back(std::move(events[i++]));
      bool full = partial.size() >= opts.batch_size;
      if (full)
        seal();
      auto generation = partial_generation;
      lk.unlock();
      if (full)
        io->kick();
      else if (was_empty)
        io->arm_linger(generation);
    }
  }

  void flush() {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [this] { return closed || slot_free(); });
    if (closed)
      throw_closed();
    bool kicked = !partial.empty();
    if (kicked)
      seal();
    auto target = next_id - 1;
    lk.unlock();
    if (kicked)
      io->kick();
    lk.lock();
    cv.wait(lk, [&] {
      return closed || pending.empty() || *pending.begin() > target;
    });
    if (first_error) {
      auto f = std::move(*first_error);
      first_error.reset();
      throw client_error(f.kind, f.message);
    }
    if (!pending.empty() && *pending.begin() <= target)
      throw_closed();
  }

  void close() {
    {
      std::lock_guard<std::mutex> lk(mu);
      closed = true;
    }
    cv.notify_all();
    io.reset();
  }

  // -- batch_source: called on the I/O thread ---------------------------------

  std::vector<detail::batch> take_sealed() override {
    std::lock_guard<std::mutex> lk(mu);
    std::vector<detail::batch> out(std::make_move_iterator(sealed.begin()),
                                   std::make_move_iterator(sealed.end()));
    sealed.clear();
    return out;
  }

  void batch_done(uint64_t id, size_t events,
                  const detail::failure* f) override {
    {
      std::lock_guard<std::mutex> lk(mu);
      pending.erase(id);
      --unacked;
      if (f == nullptr)
        acked.fetch_add(events, std::memory_order_relaxed);
      else if (!first_error)
        first_error = *f;
      if (linger_due && !partial.empty() && slot_free())
        seal();
    }
    cv.notify_all();
  }

  void linger_expired(uint64_t generation) override {
    std::lock_guard<std::mutex> lk(mu);
    if (generation != partial_generation || partial.empty())
      return;
    if (slot_free())
      seal();
    else
      linger_due = true; // sealed by batch_done when a slot frees up
  }

  void io_stopped() override {
    {
      std::lock_guard<std::mutex> lk(mu);
      closed = true;
    }
    cv.notify_all();
  }

  const client_options opts;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<usage_event> partial;  // the batch being filled
  uint64_t partial_generation = 0;   // bumped whenever `partial` is sealed
  bool linger_due = false;           // partial is overdue, waiting for a slot
  std::deque<detail::batch> sealed;  // not yet taken by the I/O thread
  uint64_t next_id = 1;
  size_t unacked = 0;                // sealed, neither acked nor failed
  std::set<uint64_t> pending;        // ids of those batches
  std::optional<detail::failure> first_error; // since the last flush()
  std::atomic<uint64_t> acked{0};
  bool closed = false;
  std::unique_ptr<detail::io_loop> io; // last: stopped first
};

client::client(client_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
  // nop
}

client::~client() {
  impl_->close();
}

void client::submit(usage_event e) {
  if (auto reason = check_event(e, time_window{}))
    throw client_error(client_error::code::rejected, *reason);
  std::vector<usage_event> one;
  one.push_back(std::move(e));
  impl_->add(one);
}

void client::submit(std::vector<usage_event> events) {
  for (size_t i = 0; i < events.size(); ++i)
    if (auto reason = check_event(events[i], time_window{}))
      throw client_error(client_error::code::rejected,
                         "event " + std::to_string(i) + ": " + *reason);
  impl_->add(events);
}

void client::flush() {
  impl_->flush();
}

uint64_t client::acknowledged() const {
  return impl_->acked.load(std::memory_order_relaxed);
}

grant client::request(const resource_request& r) {
  if (auto reason = check_request(r, time_window{}))
    throw client_error(client_error::code::rejected, *reason);
  return impl_->io->request(r);
}

void client::release(const std::string& tenant, const std::string& user,
                     const grant& g) {
  for (auto [what, id] : {std::pair<const char*, const std::string*>{"tenant", &tenant},
                          {"user", &user},
                          {"data center", &g.data_center},
                          {"instance", &g.instance}})
    if (auto reason = check_id(what, *id))
      throw client_error(client_error::code::rejected, *reason);
  impl_->io->release(tenant, user, g);
}

node_status client::status() {
  return impl_->io->status();
}

user_summary client::user(const std::string& tenant, const std::string& user) {
  return impl_->io->user(tenant, user);
}

kpis client::node_kpis() {
  return impl_->io->node_kpis();
}

data_center_forecast client::forecast(const std::string& data_center,
                                      uint32_t horizon_steps) {
  return impl_->io->forecast(data_center, horizon_steps);
}

std::vector<anomaly> client::anomalies(uint32_t limit) {
  return impl_->io->anomalies(limit);
}

} // namespace prescient
