#include "gateway_impl.hpp"

#include <algorithm>
#include <chrono>

#include <caf/send.hpp>

#include "bridge.hpp"
#include "prescient/wire/admin.hpp"
#include "prescient/wire/convert.hpp"
#include "prescient/wire/validate.hpp"

namespace prescient::node {

namespace {

time_window window_now(const node_config& cfg) {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  return {now, cfg.ingest.max_event_age.count(), cfg.ingest.max_clock_skew.count()};
}

std::optional<std::string> check_tenant(const node_config& cfg,
                                        const std::string& tenant) {
  if (cfg.find_tenant(tenant) == nullptr)
    return "tenant '" + tenant + "' is not configured on this node";
  return std::nullopt;
}

/// A tenant-bound capability refuses every other tenant, naming it.
std::optional<std::string> check_scope(const std::string& scope,
                                       const std::string& tenant) {
  if (scope.empty() || scope == tenant)
    return std::nullopt;
  return "tenant '" + tenant + "' is outside this token's tenant '" + scope + "'";
}

/// Tenant tokens reach their own users only; node-wide views are the
/// admin's.
kj::Exception admin_only(const std::string& scope, const char* what) {
  return rpc_error(std::string(what) + ": admin role required (this token is tenant '"
                   + scope + "')");
}

} // namespace

// -- admission ----------------------------------------------------------------

kj::Promise<kj::Own<admission::permit>> admission::admit(uint64_t n) {
  if (waiting_.empty() && fits(n)) {
    in_flight_ += n;
    return kj::heap<permit>(*this, n);
  }
  auto paf = kj::newPromiseAndFulfiller<kj::Own<permit>>();
  waiting_.push_back({n, kj::mv(paf.fulfiller)});
  return kj::mv(paf.promise);
}

void admission::release(uint64_t n) {
  in_flight_ -= n;
  while (!waiting_.empty() && fits(waiting_.front().n)) {
    auto w = kj::mv(waiting_.front());
    waiting_.pop_front();
    // A waiter whose RPC was cancelled meanwhile admits nothing.
    if (w.fulfiller->isWaiting()) {
      in_flight_ += w.n;
      w.fulfiller->fulfill(kj::heap<permit>(*this, w.n));
    }
  }
}

// -- Gateway ------------------------------------------------------------------

kj::Promise<void> gateway_impl::submitEvents(SubmitEventsContext context) {
  auto list = context.getParams().getEvents();
  const auto& cfg = *ctx_.cfg;
  if (list.size() > cfg.ingest.max_batch_events)
    return rpc_error("batch of " + std::to_string(list.size())
                     + " events is above the limit of "
                     + std::to_string(cfg.ingest.max_batch_events));
  auto window = window_now(cfg);
  event_batch events;
  events.reserve(list.size());
  for (unsigned i = 0; i < list.size(); ++i) {
    auto e = wire::from_capnp(list[i]);
    auto reason = check_event(e, window);
    if (!reason)
      reason = check_scope(tenant_, e.tenant);
    if (!reason)
      reason = check_tenant(cfg, e.tenant);
    if (reason) {
      caf::anon_send(ctx_.router, record_atom::value, uint64_t{list.size()});
      return rpc_error("event " + std::to_string(i) + ": " + *reason);
    }
    events.push_back(std::move(e));
  }
  context.releaseParams();
  auto n = static_cast<uint64_t>(events.size());
  if (n == 0) {
    context.getResults().setAccepted(0);
    return kj::READY_NOW;
  }
  return adm_.admit(n).then([this, events = std::move(events)](
                               kj::Own<admission::permit> permit) mutable {
    return ask<uint32_t>(ctx_.bridge, ctx_.router, ctx_.timeout,
                         ingest_atom::value, std::move(events))
      .attach(kj::mv(permit));
  }).then([context](uint32_t accepted) mutable {
    context.getResults().setAccepted(accepted);
  });
}

kj::Promise<void> gateway_impl::request(RequestContext context) {
  auto r = wire::from_capnp(context.getParams().getRequest());
  auto reason = check_request(r, window_now(*ctx_.cfg));
  if (!reason)
    reason = check_scope(tenant_, r.tenant);
  if (!reason)
    reason = check_tenant(*ctx_.cfg, r.tenant);
  if (reason)
    return rpc_error("request: " + *reason);
  return ask<grant>(ctx_.bridge, ctx_.router, ctx_.timeout, claim_atom::value,
                    std::move(r))
    .then([context](grant g) mutable {
      wire::to_capnp(g, context.getResults().initGrant());
    });
}

kj::Promise<void> gateway_impl::release(ReleaseContext context) {
  auto p = context.getParams();
  auto tenant = wire::text(p.getTenant());
  auto user = wire::text(p.getUser());
  auto dc = wire::text(p.getDataCenter());
  auto instance = wire::text(p.getInstance());
  std::optional<std::string> reason;
  if (!(reason = check_id("tenant", tenant)) && !(reason = check_id("user", user))
      && !(reason = check_id("dataCenter", dc))
      && !(reason = check_id("instance", instance))
      && !(reason = check_scope(tenant_, tenant)))
    reason = check_tenant(*ctx_.cfg, tenant);
  if (reason)
    return rpc_error("release: " + *reason);
  return ask<bool>(ctx_.bridge, ctx_.router, ctx_.timeout, release_atom::value,
                   tenant, user, dc, instance)
    .ignoreResult();
}

// -- Admin --------------------------------------------------------------------

kj::Promise<void> admin_impl::status(StatusContext context) {
  if (!tenant_.empty())
    return admin_only(tenant_, "status");
  return ask<node_status>(ctx_.bridge, ctx_.admin, ctx_.timeout,
                          status_atom::value)
    .then([context](node_status s) mutable {
      wire::to_capnp(s, context.getResults().initStatus());
    });
}

kj::Promise<void> admin_impl::user(UserContext context) {
  auto tenant = wire::text(context.getParams().getTenant());
  auto user = wire::text(context.getParams().getUser());
  std::optional<std::string> reason;
  if (!(reason = check_id("tenant", tenant)) && !(reason = check_id("user", user))
      && !(reason = check_scope(tenant_, tenant)))
    reason = check_tenant(*ctx_.cfg, tenant);
  if (reason)
    return rpc_error("user: " + *reason);
  return ask<user_summary>(ctx_.bridge, ctx_.admin, ctx_.timeout,
                           user_atom::value, tenant, user)
    .then([context](user_summary s) mutable {
      wire::to_capnp(s, context.getResults().initSummary());
    });
}

kj::Promise<void> admin_impl::kpis(KpisContext context) {
  if (!tenant_.empty())
    return admin_only(tenant_, "kpis");
  return ask<prescient::kpis>(ctx_.bridge, ctx_.admin, ctx_.timeout,
                              kpis_atom::value)
    .then([context](prescient::kpis k) mutable {
      wire::to_capnp(k, context.getResults().initKpis());
    });
}

kj::Promise<void> admin_impl::forecast(ForecastContext context) {
  if (!tenant_.empty())
    return admin_only(tenant_, "forecast");
  auto dc = wire::text(context.getParams().getDataCenter());
  auto horizon = context.getParams().getHorizonSteps();
  if (auto reason = check_id("dataCenter", dc))
    return rpc_error("forecast: " + *reason);
  if (horizon < 1 || horizon > 2016)
    return rpc_error("forecast: horizonSteps is " + std::to_string(horizon)
                     + ", outside 1..2016 (5-minute steps, up to 7 days)");
  return ask<data_center_forecast>(ctx_.bridge, ctx_.admin, ctx_.timeout,
                                   forecast_atom::value, dc, horizon)
    .then([context](data_center_forecast f) mutable {
      wire::to_capnp(f, context.getResults().initForecast());
    });
}

kj::Promise<void> admin_impl::anomalies(AnomaliesContext context) {
  auto limit = context.getParams().getLimit();
  if (limit < 1 || limit > max_anomalies)
    return rpc_error("anomalies: limit is " + std::to_string(limit) + ", outside 1.."
                     + std::to_string(max_anomalies));
  // A tenant sees its users' anomalies only: filter the node's latest ones
  // (all that are kept), then cut to the limit.
  uint32_t ask_for = tenant_.empty() ? limit : static_cast<uint32_t>(max_anomalies);
  return ask<std::vector<anomaly>>(ctx_.bridge, ctx_.admin, ctx_.timeout,
                                   anomalies_atom::value, ask_for)
    .then([context, limit, scope = tenant_](std::vector<anomaly> all) mutable {
      if (!scope.empty()) {
        all.erase(std::remove_if(all.begin(), all.end(),
                                 [&](const anomaly& a) { return a.tenant != scope; }),
                  all.end());
        if (all.size() > limit)
          all.resize(limit);
      }
      auto list = context.getResults().initAnomalies(static_cast<unsigned>(all.size()));
      for (unsigned i = 0; i < all.size(); ++i)
        wire::to_capnp(all[i], list[i]);
    });
}

// -- Node ---------------------------------------------------------------------

node_impl::node_impl(const gateway_context& ctx, admission& adm)
  : ctx_(ctx),
    adm_(adm),
    tokens_(*ctx.cfg),
    enforced_(ctx.cfg->authentication_enforced()),
    gateway_(kj::heap<gateway_impl>(ctx, adm)),
    admin_(kj::heap<admin_impl>(ctx)) {
}

kj::Promise<void> node_impl::gateway(GatewayContext context) {
  if (enforced_)
    return rpc_error("authentication required: log in with a token");
  context.getResults().setGateway(gateway_);
  return kj::READY_NOW;
}

kj::Promise<void> node_impl::admin(AdminContext context) {
  if (enforced_)
    return rpc_error("authentication required: log in with a token");
  context.getResults().setAdmin(admin_);
  return kj::READY_NOW;
}

kj::Promise<void> node_impl::login(LoginContext context) {
  // The same answer for every wrong token: no hint which part was wrong.
  auto who = tokens_.find(wire::text(context.getParams().getToken()));
  context.releaseParams();
  if (!who)
    return rpc_error("unknown token");
  auto results = context.getResults();
  if (who->admin) {
    results.setGateway(gateway_);
    results.setAdmin(admin_);
  } else {
    results.setGateway(kj::heap<gateway_impl>(ctx_, adm_, who->tenant));
    results.setAdmin(kj::heap<admin_impl>(ctx_, who->tenant));
  }
  results.setTenant(who->tenant);
  results.setRole(who->role());
  return kj::READY_NOW;
}

} // namespace prescient::node
