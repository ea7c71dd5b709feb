// recent_steps: the same features as step_encoder, in a small ring.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "prescient/learned/features.hpp"
#include "prescient/learned/recent_steps.hpp"

using namespace prescient::learned;

TEST_CASE("the ring encodes like step_encoder and keeps the last 128", "[learned][recent_steps]") {
  CHECK(sizeof(recent_steps) <= 420);
  std::mt19937 rng{3};
  recent_steps ring;
  step_encoder enc;
  std::vector<step> expected;
  double t = 1.6e9;
  uint64_t session = 5;
  for (int i = 0; i < 300; ++i) {
    t += std::uniform_real_distribution<double>(0, 4000)(rng);
    if (rng() % 7 == 0)
      session = rng() % 3;  // includes 0 = no session id
    uint32_t app = rng() % 20;
    uint32_t dev = device_code(rng() % 2 ? "laptop" : "phone");
    expected.push_back(enc.next(t, app + 100, dev, session ? std::to_string(session) : ""));
    ring.push(t, app, dev, session);
  }
  CHECK(ring.position() == 300);
  REQUIRE(ring.size() == recent_steps::capacity);
  std::vector<step> got;
  ring.steps([](uint32_t a) { return a + 100; }, got);  // the shard -> model mapping
  REQUIRE(got.size() == recent_steps::capacity);
  for (size_t i = 0; i < got.size(); ++i) {
    auto& e = expected[expected.size() - got.size() + i];
    CHECK(got[i].app == e.app);
    if (i + recent_steps::full_capacity < got.size())
      continue;  // older steps carry only their app
    CHECK(got[i].hour_of_week == e.hour_of_week);
    CHECK(got[i].position_in_session == e.position_in_session);
    CHECK(got[i].device == e.device);
    CHECK(std::abs(got[i].log_gap_s - e.log_gap_s) < 1e-4);
  }
}

TEST_CASE("a ring that is not full, and shard ids too large", "[learned][recent_steps]") {
  recent_steps ring;
  ring.push(100, 3, 1, 0);
  ring.push(160, 1u << 30, 1, 0);
  CHECK(ring.size() == 2);
  CHECK(ring.app(0) == 3);
  CHECK(ring.app(1) == recent_steps::no_app_id);
  std::vector<step> got;
  ring.steps([](uint32_t a) { return a; }, got);
  REQUIRE(got.size() == 2);
  CHECK(got[0].app == 3);
  CHECK(got[1].app == 0);  // unknown to the model
  CHECK(got[1].position_in_session == 1);
  CHECK(device_code("laptop") < 256);
}
