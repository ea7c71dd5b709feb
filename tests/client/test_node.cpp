#include "test_node.hpp"

#include <future>
#include <stdexcept>

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include "prescient/schema/rpc.capnp.h"
#include "prescient/wire/admin.hpp"
#include "prescient/wire/convert.hpp"

namespace prescient::test {

size_t node_record::batch_count() {
  std::lock_guard<std::mutex> lk(mu);
  return batches.size();
}

size_t node_record::event_count() {
  std::lock_guard<std::mutex> lk(mu);
  size_t n = 0;
  for (auto& b : batches)
    n += b.size();
  return n;
}

std::vector<usage_event> node_record::events() {
  std::lock_guard<std::mutex> lk(mu);
  std::vector<usage_event> out;
  for (auto& b : batches)
    out.insert(out.end(), b.begin(), b.end());
  return out;
}

struct test_node::loop {
  std::vector<kj::Own<kj::PromiseFulfiller<void>>> held;
  kj::Own<kj::PromiseFulfiller<void>> stop;
};

namespace {

using namespace prescient::schema;

class gateway_impl final : public Gateway::Server {
public:
  gateway_impl(std::shared_ptr<node_record> rec,
               std::vector<kj::Own<kj::PromiseFulfiller<void>>>& held)
    : rec_(std::move(rec)), held_(held) {
  }

  kj::Promise<void> submitEvents(SubmitEventsContext ctx) override {
    auto list = ctx.getParams().getEvents();
    std::vector<usage_event> batch;
    for (unsigned i = 0; i < list.size(); ++i) {
      batch.push_back(wire::from_capnp(list[i]));
      if (batch.back().user == "forbidden")
        return KJ_EXCEPTION(FAILED,
                            kj::str("event ", i, ": user forbidden is not allowed"));
    }
    auto n = static_cast<uint32_t>(batch.size());
    std::lock_guard<std::mutex> lk(rec_->mu);
    rec_->batches.push_back(std::move(batch));
    if (rec_->silent)
      return kj::NEVER_DONE;
    if (rec_->hold_acks) {
      auto paf = kj::newPromiseAndFulfiller<void>();
      held_.push_back(kj::mv(paf.fulfiller));
      return paf.promise.then([ctx, n, rec = rec_]() mutable {
        ctx.getResults().setAccepted(n);
        std::lock_guard<std::mutex> lk(rec->mu);
        ++rec->acked;
      });
    }
    ++rec_->acked;
    ctx.getResults().setAccepted(n);
    return kj::READY_NOW;
  }

  kj::Promise<void> request(RequestContext ctx) override {
    auto q = wire::from_capnp(ctx.getParams().getRequest());
    if (q.app == "std")
      throw std::runtime_error("no capacity for app std");
    KJ_REQUIRE(q.app != "kjreq", "no capacity for app kjreq");
    std::lock_guard<std::mutex> lk(rec_->mu);
    ++rec_->requests_seen;
    if (rec_->silent)
      return kj::NEVER_DONE;
    grant g;
    g.data_center = "dc-test";
    g.instance = "i-" + std::to_string(++rec_->requests);
    g.path = grant_path::prewarmed;
    g.decision_latency_us = 42;
    g.endpoint = "127.0.0.1:4711";
    g.wait_us = 1234;
    rec_->live.insert(g.instance);
    wire::to_capnp(g, ctx.getResults().initGrant());
    return kj::READY_NOW;
  }

  kj::Promise<void> release(ReleaseContext ctx) override {
    std::string instance = ctx.getParams().getInstance();
    std::lock_guard<std::mutex> lk(rec_->mu);
    if (rec_->live.erase(instance) == 0)
      return KJ_EXCEPTION(FAILED, kj::str("instance ", instance, " is not granted"));
    return kj::READY_NOW;
  }

private:
  std::shared_ptr<node_record> rec_;
  std::vector<kj::Own<kj::PromiseFulfiller<void>>>& held_;
};

class admin_impl final : public Admin::Server {
public:
  explicit admin_impl(std::shared_ptr<node_record> rec) : rec_(std::move(rec)) {
  }

  kj::Promise<void> status(StatusContext ctx) override {
    if (rec_->silent)
      return kj::NEVER_DONE;
    node_status s;
    s.node_id = "test-node";
    s.events_ingested = rec_->event_count();
    s.data_centers.push_back({"dc-test", "eu", 4000, 1000, 8192, 1024, 1});
    wire::to_capnp(s, ctx.getResults().initStatus());
    return kj::READY_NOW;
  }

  kj::Promise<void> user(UserContext ctx) override {
    user_summary u;
    u.tenant = ctx.getParams().getTenant();
    u.user = ctx.getParams().getUser();
    for (auto& e : rec_->events())
      if (e.tenant == u.tenant && e.user == u.user)
        ++u.events;
    u.found = u.events > 0;
    wire::to_capnp(u, ctx.getResults().initSummary());
    return kj::READY_NOW;
  }

  kj::Promise<void> kpis(KpisContext ctx) override {
    prescient::kpis k;
    std::lock_guard<std::mutex> lk(rec_->mu);
    k.requests = rec_->requests;
    wire::to_capnp(k, ctx.getResults().initKpis());
    return kj::READY_NOW;
  }

private:
  std::shared_ptr<node_record> rec_;
};

class node_impl final : public Node::Server {
public:
  node_impl(std::shared_ptr<node_record> rec,
            std::vector<kj::Own<kj::PromiseFulfiller<void>>>& held)
    : rec_(rec),
      gateway_(kj::heap<gateway_impl>(rec, held)),
      admin_(kj::heap<admin_impl>(rec)) {
  }

  kj::Promise<void> gateway(GatewayContext ctx) override {
    if (rec_->require_login)
      return KJ_EXCEPTION(FAILED, "authentication required: log in with a token");
    ctx.getResults().setGateway(gateway_);
    return kj::READY_NOW;
  }

  kj::Promise<void> admin(AdminContext ctx) override {
    if (rec_->require_login)
      return KJ_EXCEPTION(FAILED, "authentication required: log in with a token");
    ctx.getResults().setAdmin(admin_);
    return kj::READY_NOW;
  }

  kj::Promise<void> login(LoginContext ctx) override {
    std::string token = ctx.getParams().getToken();
    {
      std::lock_guard<std::mutex> lk(rec_->mu);
      rec_->logins.push_back(token);
    }
    if (token != "good-token")
      return KJ_EXCEPTION(FAILED, "unknown token");
    auto r = ctx.getResults();
    r.setGateway(gateway_);
    r.setAdmin(admin_);
    r.setTenant("acme");
    r.setRole("tenant");
    return kj::READY_NOW;
  }

private:
  std::shared_ptr<node_record> rec_;
  Gateway::Client gateway_;
  Admin::Client admin_;
};

} // namespace

test_node::test_node(std::shared_ptr<node_record> rec, uint16_t port)
  : rec_(std::move(rec)), port_(port) {
  std::promise<void> ready;
  auto started = ready.get_future();
  thread_ = std::thread([this, &ready] {
    bool signalled = false;
    try {
      auto io = kj::setupAsyncIo();
      loop l;
      auto addr = io.provider->getNetwork()
                    .parseAddress("127.0.0.1", port_)
                    .wait(io.waitScope);
      auto listener = addr->listen();
      port_ = static_cast<uint16_t>(listener->getPort());
      auto paf = kj::newPromiseAndFulfiller<void>();
      l.stop = kj::mv(paf.fulfiller);
      {
        capnp::TwoPartyServer server(kj::heap<node_impl>(rec_, l.held));
        auto serving = server.listen(*listener).exclusiveJoin(kj::mv(paf.promise));
        loop_ = &l;
        executor_ = kj::getCurrentThreadExecutor().addRef();
        ready.set_value();
        signalled = true;
        serving.wait(io.waitScope);
        loop_ = nullptr;
      }
    } catch (...) {
      if (!signalled)
        ready.set_exception(std::current_exception());
    }
  });
  try {
    started.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

test_node::~test_node() {
  executor_->executeSync([this] {
    if (loop_ != nullptr)
      loop_->stop->fulfill();
  });
  thread_.join();
}

void test_node::release_held() {
  executor_->executeSync([this] {
    {
      std::lock_guard<std::mutex> lk(rec_->mu);
      rec_->hold_acks = false;
    }
    if (loop_ != nullptr) {
      for (auto& f : loop_->held)
        f->fulfill();
      loop_->held.clear();
    }
  });
}

} // namespace prescient::test
