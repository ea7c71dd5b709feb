// The batched inference service: many concurrent requesters all get
// replies, in fewer batches than requests; and the shard flow of
// external_adapter.hpp end to end (only the current position is cached).
#include <catch2/catch.hpp>

#include <optional>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "prescient/learned/external_adapter.hpp"
#include "prescient/learned/inference_actor.hpp"
#include "prescient/learned/recent_steps.hpp"
#include "runtime_fixture.hpp"

using namespace prescient::learned;
using namespace prescient::learned::test;

TEST_CASE("sparsify keeps the top k and the residual", "[learned][inference]") {
  auto s = sparsify({0.1f, 0.2f, 0.4f, 0.0f, 0.3f}, 2);
  REQUIRE(s.apps == std::vector<uint32_t>{2, 4});
  CHECK(s.probs[0] == Approx(0.4));
  CHECK(s.residual == Approx(0.3));
  CHECK(sparsify({1.0f}, 4).apps.empty());  // id 0 is never listed
}

TEST_CASE_METHOD(runtime_fixture, "concurrent requests are batched and all answered",
                 "[learned][inference]") {
  auto registry = std::make_shared<model_registry>();
  std::vector<std::vector<step>> seqs(4);
  for (uint32_t i = 0; i < 60; ++i)
    for (auto& s : seqs)
      s.push_back({1 + i % 3, 10, 1, 4.0f, 0});
  registry->publish(snapshot_of("acme", 4, next_app_model::train(seqs, 4, tiny_options(30), 4),
                                {"a", "b", "c"}));
  inference_options io;
  io.max_batch = 32;
  io.top_k = 2;
  auto service = spawn_inference(*sys, registry, io);
  constexpr int requesters = 40, per_requester = 5;
  auto collector = caf::actor_cast<caf::actor>(*self);
  for (int r = 0; r < requesters; ++r)
    sys->spawn([r, service, collector](caf::event_based_actor* req) {
      for (int i = 0; i < per_requester; ++i) {
        infer_request q;
        q.tenant = r % 4 == 0 ? "nobody" : "acme";
        q.user_key = uint64_t(r) * 100 + uint64_t(i);
        q.position = uint32_t(i);
        q.steps = {{1, 10, 0, 4.0f, 0}, {2, 10, 1, 4.0f, 0}};
        auto key = q.user_key;
        auto pos = q.position;
        auto tenant = q.tenant;
        req->request(service, std::chrono::minutes{1}, infer_atom::value, std::move(q))
          .then(
            [=](sparse_prediction& p) {
              bool ok = p.user_key == key && p.position == pos;
              if (tenant == "acme")
                ok = ok && p.version == 4 && p.apps.size() == 2 && p.probs[0] >= p.probs[1];
              else
                ok = ok && p.version == 0 && p.apps.empty();
              req->send(collector, ok);
            },
            [=](caf::error&) { req->send(collector, false); });
      }
    });
  // Every reply is reported here; the timeout only keeps a failure from hanging.
  int replies = 0, good = 0;
  for (int i = 0; i < requesters * per_requester; ++i)
    (*self)->receive([&](bool ok) { ++replies, good += ok; },
                     caf::after(std::chrono::minutes{1}) >> [] {});
  CHECK(replies == requesters * per_requester);
  CHECK(good == requesters * per_requester);
  inference_stats st;
  (*self)->request(service, std::chrono::minutes{1}, status_atom::value)
    .receive([&](inference_stats& s) { st = s; }, [](caf::error&) {});
  CHECK(st.requests == uint64_t(requesters * per_requester));
  CHECK(st.no_model == uint64_t(requesters / 4 * per_requester));
  CHECK(st.batches > 0);
  CHECK(st.flushes < st.requests);
  CHECK(st.batches < st.requests);
}

namespace {

struct names final : app_names {
  std::vector<std::string> v = {"a", "b", "c"};
  std::string_view name(prescient::predict::app_id a) const override {
    return a < v.size() ? std::string_view{v[a]} : std::string_view{};
  }
  prescient::predict::app_id find(std::string_view n) const override {
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] == n)
        return static_cast<prescient::predict::app_id>(i);
    return prescient::predict::no_app;
  }
};

/// What a shard keeps, reduced to one user of one tenant.
struct mini_shard {
  names dict;
  std::optional<app_translation> tr;
  recent_steps ring;
  sparse_prediction cached;
  uint64_t fresh_uses = 0;
};

} // namespace

TEST_CASE_METHOD(runtime_fixture, "a shard-like actor caches only the reply for the current position",
                 "[learned][inference]") {
  auto registry = std::make_shared<model_registry>();
  registry->publish(snapshot_of("acme", 1, blank_model(1), {"c", "b", "a"}));
  auto service = spawn_inference(*sys, registry);
  auto collector = caf::actor_cast<caf::actor>(*self);
  auto shard = sys->spawn([=](caf::stateful_actor<mini_shard>* me) -> caf::behavior {
    return {
      // a batch of events of the user: (time, shard app id)
      [=](const std::vector<std::pair<double, uint32_t>>& events) {
        auto& st = me->state;
        for (auto& [t, app] : events) {
          auto m = registry->current("acme");
          if (m && (!st.tr || st.tr->version() != m->version))
            st.tr.emplace(m, st.dict);
          cached_external ext{&st.cached, st.ring.position(), st.tr ? &*st.tr : nullptr};
          st.fresh_uses += ext.get() != nullptr;  // would go to user_model::observe
          st.ring.push(t, app, device_code("laptop"), 1);
          infer_request r{"acme", 42, st.ring.position(), {}};
          st.ring.steps([&](uint32_t a) { return st.tr->to_model(a); }, r.steps);
          me->request(service, std::chrono::minutes{1}, infer_atom::value, std::move(r))
            .then([=](sparse_prediction& p) {
              auto& s = me->state;
              bool current = p.position == s.ring.position();
              if (current)
                s.cached = std::move(p);
              me->send(collector, current, s.fresh_uses);
            });
        }
      },
    };
  });
  std::vector<std::pair<double, uint32_t>> batch;
  for (uint32_t i = 0; i < 5; ++i)
    batch.emplace_back(1e9 + 60 * i, i % 3);
  (*self)->send(shard, batch);
  int cached = 0, stale = 0;
  for (int i = 0; i < 5; ++i)
    (*self)->receive([&](bool current, uint64_t) { current ? ++cached : ++stale; },
                     caf::after(std::chrono::minutes{1}) >> [] {});
  CHECK(cached == 1);  // the reply for position 5
  CHECK(stale == 4);   // positions 1-4 were overtaken by the batch
  (*self)->send(shard, std::vector<std::pair<double, uint32_t>>{{1e9 + 600, 0}});
  uint64_t fresh_uses = 0;
  (*self)->receive([&](bool current, uint64_t uses) { CHECK(current); fresh_uses = uses; },
                   caf::after(std::chrono::minutes{1}) >> [] {});
  CHECK(fresh_uses == 1);  // the sixth event was scored with the cached reply
  (*self)->send_exit(shard, caf::exit_reason::user_shutdown);
}
