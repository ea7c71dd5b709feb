// The batched inference service: many concurrent requesters all get
// replies, in fewer batches than requests.
#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>

#include "prescient/learned/inference_actor.hpp"
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
