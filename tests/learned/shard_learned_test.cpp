// The learned model inside the node: a shard actor whose tenant has a
// published model asks the inference service after every use and predicts
// the next use with the reply (as the online model's external component).
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "prescient/actors/shard_actor.hpp"
#include "prescient/learned/features.hpp"
#include "prescient/learned/inference_actor.hpp"
#include "runtime_fixture.hpp"

using namespace prescient;
using namespace prescient::learned;
using namespace prescient::learned::test;

namespace {

shard_stats stats_of(caf::scoped_actor& self, const shard_actor& s) {
  shard_stats out;
  self->request(s, std::chrono::seconds(10), prescient::status_atom::value)
    .receive([&](const shard_stats& x) { out = x; },
             [](caf::error& e) { FAIL(caf::to_string(e)); });
  return out;
}

usage_event launch(const std::string& user, const std::string& app, double time_s) {
  usage_event e;
  e.tenant = "demo";
  e.user = user;
  e.device = "laptop";
  e.app = app;
  e.kind = event_kind::launch;
  e.time_us = static_cast<int64_t>(time_s * 1e6);
  e.session = 7;
  return e;
}

} // namespace

TEST_CASE_METHOD(runtime_fixture, "a shard uses its tenant's learned model through the inference service",
                 "[learned][shard]") {
  // A model of the long-range pattern (a b c a b d a b e ...).
  vocabulary v;
  for (auto* a : {"a", "b", "c", "d", "e"})
    v.add(a);
  std::vector<std::vector<step>> seqs;
  for (size_t u = 0; u < 4; ++u) {
    step_encoder enc;
    seqs.emplace_back();
    for (auto& [t, app] : long_range_pattern(u, 120))
      seqs.back().push_back(enc.next(t, v.id(app), 1));
  }
  auto registry = std::make_shared<model_registry>();
  REQUIRE(registry->publish(snapshot_of("demo", 1,
                                        next_app_model::train(seqs, v.size(), tiny_options(200), 1),
                                        {"a", "b", "c", "d", "e"})));
  shard_options so;
  so.id = 2;
  so.checkpoint_interval = std::chrono::hours(1);
  so.learned_models = registry;
  so.inference = spawn_inference(*sys, registry);
  auto shard = spawn_shard(*sys, *db, so);
  auto events = long_range_pattern(9, 60);
  for (auto& [t, app] : events) {
    auto e = launch("zoe", app, t);
    (*self)->request(shard, std::chrono::seconds(10), prescient::ingest_atom::value,
                     event_batch{e})
      .receive([](uint32_t) {}, [](caf::error& err) { FAIL(caf::to_string(err)); });
    // Let the reply land before the next use (a user's uses are seconds
    // apart; here they come back to back).
    for (int i = 0; i < 400 && stats_of(*self, shard).inference_in_flight > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto st = stats_of(*self, shard);
  CHECK(st.inference_requests == events.size());
  CHECK(st.inference_replies == events.size());
  CHECK(st.learned_uses == events.size() - 1); // every use after the first
  // Without a model the shard asks nothing.
  shard_options plain;
  plain.id = 3;
  auto other = spawn_shard(*sys, *db, plain);
  auto e = launch("yan", "a", 1.75e9);
  (*self)->request(other, std::chrono::seconds(10), prescient::ingest_atom::value, event_batch{e})
    .receive([](uint32_t) {}, [](caf::error& err) { FAIL(caf::to_string(err)); });
  CHECK(stats_of(*self, other).inference_requests == 0);
}
