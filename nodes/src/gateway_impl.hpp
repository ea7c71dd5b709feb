// The RPC interface implementations (private to the gateway server).
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include <kj/async.h>

#include "gateway_server.hpp"
#include "prescient/schema/rpc.capnp.h"
#include "token_table.hpp"

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

/// `tenant` binds a Gateway or Admin to one tenant (a tenant token's
/// login); empty = every tenant.
class gateway_impl final : public schema::Gateway::Server {
public:
  gateway_impl(const gateway_context& ctx, admission& adm, std::string tenant = {})
    : ctx_(ctx), adm_(adm), tenant_(std::move(tenant)) {
  }

protected:
  kj::Promise<void> submitEvents(SubmitEventsContext context) override;
  kj::Promise<void> request(RequestContext context) override;
  kj::Promise<void> release(ReleaseContext context) override;

private:
  const gateway_context& ctx_;
  admission& adm_;
  std::string tenant_;
};

class admin_impl final : public schema::Admin::Server {
public:
  explicit admin_impl(const gateway_context& ctx, std::string tenant = {})
    : ctx_(ctx), tenant_(std::move(tenant)) {
  }

protected:
  kj::Promise<void> status(StatusContext context) override;
  kj::Promise<void> user(UserContext context) override;
  kj::Promise<void> kpis(KpisContext context) override;
  kj::Promise<void> forecast(ForecastContext context) override;
  kj::Promise<void> anomalies(AnomaliesContext context) override;

private:
  const gateway_context& ctx_;
  std::string tenant_;
};

class node_impl final : public schema::Node::Server {
public:
  node_impl(const gateway_context& ctx, admission& adm);

protected:
  kj::Promise<void> gateway(GatewayContext context) override;
  kj::Promise<void> admin(AdminContext context) override;
  kj::Promise<void> login(LoginContext context) override;

private:
  const gateway_context& ctx_;
  admission& adm_;
  token_table tokens_;
  bool enforced_; ///< gateway() and admin() need a login first
  schema::Gateway::Client gateway_;
  schema::Admin::Client admin_;
};

} // namespace prescient::node
