// The learned next-app model: learns a cycle, persists exactly, rejects
// garbage, trains deterministically, batches like it predicts one by one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "prescient/learned/features.hpp"
#include "prescient/learned/next_app_model.hpp"
#include "prescient/learned/vocabulary.hpp"
#include "runtime_fixture.hpp"

using namespace prescient::learned;

namespace {

// A -> B -> C -> A ... for a few users, with session/time context.
std::vector<std::vector<step>> cyclic(size_t users, size_t n, uint32_t period = 3) {
  std::vector<std::vector<step>> seqs(users);
  for (size_t u = 0; u < users; ++u) {
    step_encoder enc;
    for (size_t i = 0; i < n; ++i) {
      double t = 1.0e9 + double(u) * 1000 + double(i) * 60;
      seqs[u].push_back(enc.next(t, uint32_t(1 + (i + u) % period), 0, "s" + std::to_string(i / 40)));
    }
  }
  return seqs;
}

train_options small(bool pointer) {
  auto o = test::tiny_options(400);
  o.pointer = pointer;
  o.batch = 8;
  o.epochs = 30;
  o.dropout = 0.0;
  o.seed = 7;
  return o;
}

uint32_t argmax(const std::vector<float>& p) {
  return uint32_t(std::max_element(p.begin() + 1, p.end()) - p.begin());
}

void require_close(const std::vector<float>& a, const std::vector<float>& b, float tol = 1e-5f) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(std::abs(a[i] - b[i]) <= tol);
}

const std::shared_ptr<const next_app_model>& trained_pointer_model() {
  static auto m = next_app_model::train(cyclic(3, 200), 4, small(true), 42);
  return m;
}

} // namespace

TEST_CASE("learned: the model learns a cycle (with and without the pointer)", "[learned]") {
  for (bool pointer : {true, false}) {
    auto m = pointer ? trained_pointer_model() : next_app_model::train(cyclic(3, 200), 4, small(false), 1);
    REQUIRE(m);
    CHECK(m->report().steps > 0);
    auto test = cyclic(1, 30).front();
    for (size_t t = 10; t < test.size(); ++t) {
      std::vector<step> recent(test.begin(), test.begin() + long(t));
      auto p = m->predict(recent);
      REQUIRE(p.size() == 4);
      float sum = 0;
      for (float x : p) sum += x;
      CHECK(sum == Approx(1.0).margin(1e-4));
      CHECK(argmax(p) == test[t].app);
      CHECK(p[test[t].app] > 0.8f);
    }
    auto ev = m->evaluate({test}, {10});
    CHECK(ev.predictions == 20);
    CHECK(ev.top1 == 1.0);
    CHECK(ev.logloss < 0.25);
  }
}

TEST_CASE("learned: save/load round trip gives identical predictions", "[learned]") {
  const auto& m = trained_pointer_model();
  std::string bytes = m->save();
  std::string err;
  auto again = next_app_model::load(bytes, &err);
  REQUIRE(again);
  CHECK(err.empty());
  CHECK(again->version() == 42);
  CHECK(again->vocab_size() == 4);
  CHECK(again->context() == m->context());
  CHECK(again->report().steps == m->report().steps);
  auto seqs = cyclic(2, 25);
  auto a = m->predict_batch(seqs), b = again->predict_batch(seqs);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == b[i]);  // bit-identical
  CHECK(again->save() == bytes);
}

TEST_CASE("learned: garbage bytes fail cleanly", "[learned]") {
  std::string bytes = trained_pointer_model()->save();
  std::string err;
  CHECK_FALSE(next_app_model::load("", &err));
  CHECK_FALSE(err.empty());
  CHECK_FALSE(next_app_model::load("PRSNAPM1", &err));
  CHECK_FALSE(next_app_model::load(std::string_view(bytes).substr(0, bytes.size() / 2), &err));
  CHECK_FALSE(next_app_model::load(bytes + "x", &err));
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) {
    std::string junk(size_t(rng() % 4096), '\0');
    for (auto& c : junk) c = char(rng());
    if (i % 2 == 0 && junk.size() >= 8) std::copy(bytes.begin(), bytes.begin() + 8, junk.begin());  // right magic
    CHECK_FALSE(next_app_model::load(junk));
    std::string flipped = bytes;
    flipped[size_t(rng() % flipped.size())] ^= char(1 + rng() % 255);
    CHECK_FALSE(next_app_model::load(flipped));
  }
}

TEST_CASE("learned: training is deterministic for a seed", "[learned]") {
  auto o = small(true);
  o.max_steps = 40;
  o.dropout = 0.1;  // dropout draws from the seeded generator too
  auto data = cyclic(3, 120, 4);
  auto a = next_app_model::train(data, 5, o, 1);
  auto b = next_app_model::train(data, 5, o, 1);
  o.seed = 8;
  auto c = next_app_model::train(data, 5, o, 1);
  auto pa = a->predict_batch(data), pb = b->predict_batch(data), pc = c->predict_batch(data);
  CHECK(pa == pb);
  CHECK(pa != pc);
  CHECK(a->report().final_loss == b->report().final_loss);
}

TEST_CASE("learned: batch predict equals single predicts; edge inputs", "[learned]") {
  const auto& m = trained_pointer_model();
  auto seqs = cyclic(3, 40);
  std::vector<std::vector<step>> inputs = {
    std::vector<step>(seqs[0].begin(), seqs[0].begin() + 1),
    seqs[1],                                                  // longer than the context
    std::vector<step>(seqs[2].begin(), seqs[2].begin() + 5),
    {},                                                       // no history: the unigram
  };
  inputs[2].push_back(step{9, 3, 1, 1.0f, 77});  // an id the model never saw; odd device
  auto batch = m->predict_batch(inputs);
  REQUIRE(batch.size() == inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) require_close(batch[i], m->predict(inputs[i]));
  CHECK(batch[3].size() == 4);
  REQUIRE(batch[2].size() == 10);  // the pointer can name apps beyond the vocabulary
  float sum = 0;
  for (float x : batch[2]) sum += x;
  CHECK(sum == Approx(1.0).margin(1e-4));

  // const inference from several threads at once
  std::vector<std::vector<std::vector<float>>> got(4);
  std::vector<std::thread> ts;
  for (size_t t = 0; t < got.size(); ++t) ts.emplace_back([&, t] { got[t] = m->predict_batch(inputs); });
  for (auto& t : ts) t.join();
  for (auto& g : got) CHECK(g == batch);
}

TEST_CASE("learned: vocabulary and step encoder", "[learned]") {
  vocabulary v;
  CHECK(v.size() == 1);
  CHECK(v.add("ls") == 1);
  CHECK(v.add("cd") == 2);
  CHECK(v.add("ls") == 1);
  CHECK(v.id("nope") == vocabulary::unknown);
  auto again = vocabulary::load(v.save());
  REQUIRE(again);
  CHECK(again->size() == 3);
  CHECK(again->name(2) == "cd");
  CHECK(again->id("ls") == 1);
  std::string bytes = v.save();
  bytes[bytes.size() / 2] ^= 0x5a;
  std::string err;
  CHECK_FALSE(vocabulary::load(bytes, &err));
  CHECK_FALSE(err.empty());
  CHECK_FALSE(vocabulary::load("garbage"));

  CHECK(hour_of_week(4 * 86400.0) == 0);              // Monday 1970-01-05 00:00 UTC
  CHECK(hour_of_week(4 * 86400.0 + 3600 * 30) == 30); // Tuesday 06:00
  CHECK(hour_of_week(0) == 72);                       // Thursday
  step_encoder enc;
  auto a = enc.next(1000, 1, 0, "s1");
  auto b = enc.next(1010, 2, 0, "s1");
  auto c = enc.next(1020, 3, 0, "s2");
  auto d = enc.next(9000, 3, 0, "s2");  // long gap: new session
  CHECK(a.position_in_session == 0);
  CHECK(b.position_in_session == 1);
  CHECK(c.position_in_session == 0);
  CHECK(d.position_in_session == 0);
  CHECK(b.log_gap_s == Approx(std::log1p(10.0)));
}
