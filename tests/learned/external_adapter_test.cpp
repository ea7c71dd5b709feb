// The shard-side adapter: translation through names, stale replies ignored,
// and the online model using a fresh one.
#include <catch2/catch.hpp>

#include <unordered_map>

#include "prescient/learned/external_adapter.hpp"
#include "prescient/learned/recent_steps.hpp"
#include "runtime_fixture.hpp"

using namespace prescient;
using namespace prescient::learned;
using namespace prescient::learned::test;

namespace {

/// A shard dictionary whose ids differ from the model's.
struct dictionary final : app_names {
  std::vector<std::string> names;
  std::unordered_map<std::string, predict::app_id> ids;
  predict::app_id add(const std::string& n) {
    auto [i, fresh] = ids.emplace(n, static_cast<predict::app_id>(names.size()));
    if (fresh)
      names.push_back(n);
    return i->second;
  }
  std::string_view name(predict::app_id a) const override {
    return a < names.size() ? std::string_view{names[a]} : std::string_view{};
  }
  predict::app_id find(std::string_view n) const override {
    auto i = ids.find(std::string{n});
    return i == ids.end() ? predict::no_app : i->second;
  }
};

} // namespace

TEST_CASE("translation maps shard ids and model ids through names", "[learned][adapter]") {
  dictionary dict;
  dict.add("zsh");   // 0
  dict.add("vim");   // 1
  auto snap = snapshot_of("acme", 3, blank_model(3), {"vim", "make", "zsh"});  // 1, 2, 3
  app_translation tr{snap, dict};
  CHECK(tr.version() == 3);
  CHECK(tr.to_model(0) == 3);
  CHECK(tr.to_model(1) == 1);
  CHECK(tr.to_model(7) == 0);              // no such shard id
  CHECK(tr.to_shard(3) == 0);
  CHECK(tr.to_shard(2) == predict::no_app); // the shard has not seen "make"
  CHECK(dict.add("make") == 2);
  CHECK(tr.to_shard(2) == 2);               // found once the dictionary learns it
  CHECK(tr.to_shard(0) == predict::no_app);
  CHECK(tr.to_shard(99) == predict::no_app);
}

TEST_CASE("stale or foreign replies are ignored, fresh ones translated", "[learned][adapter]") {
  dictionary dict;
  for (auto n : {"zsh", "vim", "make"})
    dict.add(n);
  auto snap = snapshot_of("acme", 3, blank_model(3), {"vim", "make", "zsh", "gcc"});
  app_translation tr{snap, dict};
  sparse_prediction reply;
  reply.version = 3;
  reply.position = 10;
  reply.apps = {2, 4, 1};  // make, gcc (unknown to the shard), vim
  reply.probs = {0.6f, 0.2f, 0.1f};
  reply.residual = 0.1f;
  predict::query q;
  predict::external_query xq{q, nullptr, 0, 0};
  std::vector<predict::scored_app> out;

  cached_external stale_position{&reply, 11, &tr};
  CHECK_FALSE(stale_position.fresh());
  CHECK(stale_position.get() == nullptr);
  stale_position.predict(xq, out);
  CHECK(out.empty());

  reply.version = 2;  // a reply of an older model than the shard now uses
  CHECK(cached_external{&reply, 10, &tr}.get() == nullptr);
  reply.version = 3;
  CHECK(cached_external{nullptr, 10, &tr}.get() == nullptr);
  CHECK(cached_external{&reply, 10, nullptr}.get() == nullptr);

  cached_external fresh{&reply, 10, &tr};
  REQUIRE(fresh.get() == &fresh);
  fresh.predict(xq, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].app == 2);
  CHECK(out[0].p == Approx(0.6));
  CHECK(out[1].app == 1);
  CHECK(out[1].p == Approx(0.1));
}

TEST_CASE("the online model scores and learns with the adapter", "[learned][adapter]") {
  dictionary dict;
  for (auto n : {"a", "b", "c"})
    dict.add(n);
  auto snap = snapshot_of("acme", 1, blank_model(1), {"a", "b", "c"});
  app_translation tr{snap, dict};
  predict::tenant_model tenant;
  predict::user_model user;
  recent_steps ring;
  sparse_prediction cached;
  for (int i = 0; i < 60; ++i) {
    predict::app_id app = static_cast<predict::app_id>(i % 3);
    cached_external ext{&cached, ring.position(), &tr};
    predict::event e{1e9 + i * 60.0, app, 1, 1, 1.0f};
    user.observe(tenant, e, nullptr, nullptr, ext.get());
    ring.push(e.time_s, app, 1, 1);
    // the reply for the new position: a learned model that knows the cycle
    cached = {};
    cached.version = 1;
    cached.position = ring.position();
    cached.apps = {tr.to_model((app + 1) % 3)};
    cached.probs = {0.99f};
    cached.residual = 0.01f;
  }
  CHECK(user.external_in_use());
  cached_external ext{&cached, ring.position(), &tr};
  auto p = user.predict(tenant, {1e9 + 3600, 1, 1}, 1, ext.get());
  REQUIRE_FALSE(p.top.empty());
  CHECK(p.top[0].app == 0);  // 59 % 3 == 2 -> next is 0
}
