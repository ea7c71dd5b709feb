#include "io_loop.hpp"

// GCC 12 reports std::string members of outcome<T> inside kj::ExceptionOr as
// maybe-uninitialized: a false positive of its flow analysis through kj::Maybe.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <future>

#include "io_state.hpp"
#include "prescient/wire/convert.hpp"

namespace prescient::detail {

namespace {

client_error closed_error() {
  return client_error(client_error::code::closed, "the client is closed");
}

template <typename T>
T unwrap(outcome<T>&& o) {
  if (!o.value)
    throw client_error(o.error.kind, o.error.message);
  return std::move(*o.value);
}

struct unit {};

} // namespace

io_loop::io_loop(const client_options& opts, batch_source& source)
  : opts_(opts), source_(source) {
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, &ready] {
    bool signalled = false;
    try {
      auto io = kj::setupAsyncIo();
      io_state state(io, opts_, source_);
      state_ = &state;
      executor_ = kj::getCurrentThreadExecutor().addRef();
      auto stopped = state.stopped();
      ready.set_value();
      signalled = true;
      state.connect_eagerly();
      stopped.wait(io.waitScope);
      state_ = nullptr;
    } catch (...) {
      state_ = nullptr;
      if (!signalled)
        ready.set_exception(std::current_exception());
    }
    source_.io_stopped();
  });
  try {
    started.get();
  } catch (const kj::Exception& e) {
    thread_.join();
    throw std::runtime_error(std::string("prescient client: cannot start the "
                                         "event loop: ")
                             + e.getDescription().cStr());
  } catch (...) {
    thread_.join();
    throw;
  }
}

io_loop::~io_loop() {
  try {
    executor_->executeSync([this] {
      if (state_ != nullptr)
        state_->stop();
    });
  } catch (...) {
    // The loop is already gone.
  }
  thread_.join();
}

template <typename F>
auto io_loop::on_loop(F&& f) {
  try {
    return executor_->executeSync(std::forward<F>(f));
  } catch (const kj::Exception&) {
    throw closed_error(); // the loop exited under us
  }
}

void io_loop::kick() {
  on_loop([this] {
    if (state_ == nullptr)
      throw closed_error();
    state_->pull();
  });
}

void io_loop::arm_linger(uint64_t generation) {
  on_loop([this, generation] {
    if (state_ != nullptr)
      state_->arm_linger(generation);
  });
}

grant io_loop::request(const resource_request& r) {
  return unwrap(on_loop([this, &r]() -> kj::Promise<outcome<grant>> {
    if (state_ == nullptr)
      return outcome<grant>{};
    return state_->call<grant>(
      [&r](io_state::connection& c) {
        auto req = c.gateway.requestRequest();
        wire::to_capnp(r, req.initRequest());
        return req.send().then(
          [](auto&& resp) { return wire::from_capnp(resp.getGrant()); });
      },
      false);
  }));
}

void io_loop::release(const std::string& tenant, const std::string& user,
                      const grant& g) {
  unwrap(on_loop([&, this]() -> kj::Promise<outcome<unit>> {
    if (state_ == nullptr)
      return outcome<unit>{};
    return state_->call<unit>(
      [&](io_state::connection& c) {
        auto req = c.gateway.releaseRequest();
        req.setTenant(tenant);
        req.setUser(user);
        req.setDataCenter(g.data_center);
        req.setInstance(g.instance);
        return req.send().then([](auto&&) { return unit{}; });
      },
      false);
  }));
}

node_status io_loop::status() {
  return unwrap(on_loop([this]() -> kj::Promise<outcome<node_status>> {
    if (state_ == nullptr)
      return outcome<node_status>{};
    return state_->call<node_status>(
      [](io_state::connection& c) {
        return c.admin.statusRequest().send().then(
          [](auto&& resp) { return wire::from_capnp(resp.getStatus()); });
      },
      true);
  }));
}

user_summary io_loop::user(const std::string& tenant, const std::string& user) {
  return unwrap(on_loop([&, this]() -> kj::Promise<outcome<user_summary>> {
    if (state_ == nullptr)
      return outcome<user_summary>{};
    return state_->call<user_summary>(
      [&](io_state::connection& c) {
        auto req = c.admin.userRequest();
        req.setTenant(tenant);
        req.setUser(user);
        return req.send().then(
          [](auto&& resp) { return wire::from_capnp(resp.getSummary()); });
      },
      true);
  }));
}

kpis io_loop::node_kpis() {
  return unwrap(on_loop([this]() -> kj::Promise<outcome<kpis>> {
    if (state_ == nullptr)
      return outcome<kpis>{};
    return state_->call<kpis>(
      [](io_state::connection& c) {
        return c.admin.kpisRequest().send().then(
          [](auto&& resp) { return wire::from_capnp(resp.getKpis()); });
      },
      true);
  }));
}

data_center_forecast io_loop::forecast(const std::string& data_center,
                                       uint32_t horizon_steps) {
  return unwrap(on_loop([&, this]() -> kj::Promise<outcome<data_center_forecast>> {
    if (state_ == nullptr)
      return outcome<data_center_forecast>{};
    return state_->call<data_center_forecast>(
      [&](io_state::connection& c) {
        auto req = c.admin.forecastRequest();
        req.setDataCenter(data_center);
        req.setHorizonSteps(horizon_steps);
        return req.send().then(
          [](auto&& resp) { return wire::from_capnp(resp.getForecast()); });
      },
      true);
  }));
}

std::vector<anomaly> io_loop::anomalies(uint32_t limit) {
  return unwrap(on_loop([&, this]() -> kj::Promise<outcome<std::vector<anomaly>>> {
    if (state_ == nullptr)
      return outcome<std::vector<anomaly>>{};
    return state_->call<std::vector<anomaly>>(
      [&](io_state::connection& c) {
        auto req = c.admin.anomaliesRequest();
        req.setLimit(limit);
        return req.send().then([](auto&& resp) {
          std::vector<anomaly> out;
          for (auto a : resp.getAnomalies())
            out.push_back(wire::from_capnp(a));
          return out;
        });
      },
      true);
  }));
}

} // namespace prescient::detail
