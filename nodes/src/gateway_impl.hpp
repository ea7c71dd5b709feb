// The RPC interface implementations (private to the gateway server).
#pragma once

#include <cstdint>
#include <deque>

#include <kj/async.h>

#include "gateway_server.hpp"
#include "prescient/schema/rpc.capnp.h"

namespace prescient::node {

/// Bounds the events accepted but not yet applied: a batch that would go
/// over waits (its RPC simply takes longer), which is the backpressure the
/// client library feels. Lives on the kj thread only.
class admission {
public:
  /// Holds n events' worth of admission; gives it back when destroyed, so a
  /// cancelled RPC cannot leak its share.
  class permit {
  public:
    permit(admission& a, uint64_t n) : a_(a), n_(n) {
    }
    ~permit() {
      a_.release(n_);
    }

  private:
    admission& a_;
    uint64_t n_;
  };

  explicit admission(uint64_t limit) : limit_(limit) {
  }
  kj::Promise<kj::Own<permit>> admit(uint64_t n);
  uint64_t in_flight() const noexcept {
    return in_flight_;
  }

private:
  void release(uint64_t n);
  struct waiter {
    uint64_t n;
    kj::Own<kj::PromiseFulfiller<kj::Own<permit>>> fulfiller;
  };
  bool fits(uint64_t n) const noexcept {
    return in_flight_ == 0 || in_flight_ + n <= limit_;
  }
  uint64_t limit_;
  uint64_t in_flight_ = 0;
  std::deque<waiter> waiting_;
};

class gateway_impl final : public schema::Gateway::Server {
public:
  gateway_impl(const gateway_context& ctx, admission& adm) : ctx_(ctx), adm_(adm) {
  }

protected:
  kj::Promise<void> submitEvents(SubmitEventsContext context) override;
  kj::Promise<void> request(RequestContext context) override;
  kj::Promise<void> release(ReleaseContext context) override;

private:
  const gateway_context& ctx_;
  admission& adm_;
};

class admin_impl final : public schema::Admin::Server {
public:
  explicit admin_impl(const gateway_context& ctx) : ctx_(ctx) {
  }

protected:
  kj::Promise<void> status(StatusContext context) override;
  kj::Promise<void> user(UserContext context) override;
  kj::Promise<void> kpis(KpisContext context) override;
  kj::Promise<void> forecast(ForecastContext context) override;
  kj::Promise<void> anomalies(AnomaliesContext context) override;

private:
  const gateway_context& ctx_;
};

class node_impl final : public schema::Node::Server {
public:
  node_impl(const gateway_context& ctx, admission& adm);

protected:
  kj::Promise<void> gateway(GatewayContext context) override;
  kj::Promise<void> admin(AdminContext context) override;

private:
  schema::Gateway::Client gateway_;
  schema::Admin::Client admin_;
};

} // namespace prescient::node
