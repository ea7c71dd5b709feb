// Phi accrual: suspicion grows with silence, faster for a steady peer.
#include <catch2/catch.hpp>

#include "prescient/cluster/phi_accrual.hpp"

using prescient::cluster::phi_accrual;

namespace {
constexpr int64_t ms = 1000;
} // namespace

TEST_CASE("phi: nothing is suspected before the first heartbeat") {
  phi_accrual d;
  CHECK_FALSE(d.started());
  CHECK(d.phi(1'000'000 * ms) == 0);
}

TEST_CASE("phi: a steady 500 ms heartbeat is suspected within about a second of silence") {
  phi_accrual d;
  int64_t t = 0;
  for (int i = 0; i < 50; ++i, t += 500 * ms)
    d.heartbeat(t);
  int64_t last = t - 500 * ms;
  CHECK(d.mean_interval_us() == Approx(500 * ms).epsilon(0.02));
  // On time or a little late: not suspected at phi 8.
  CHECK(d.phi(last + 500 * ms) < 1);
  CHECK_FALSE(d.suspected(last + 700 * ms, 8));
  // Monotone in silence, and past the threshold well before the 5 s target.
  double prev = 0;
  int64_t at = -1;
  for (int64_t dt = 0; dt <= 5000 * ms; dt += 50 * ms) {
    double p = d.phi(last + dt);
    CHECK(p >= prev);
    prev = p;
    if (at < 0 && p >= 8)
      at = dt;
  }
  REQUIRE(at > 0);
  CHECK(at <= 1500 * ms);
}

TEST_CASE("phi: a jittery peer is given more time than a steady one") {
  phi_accrual steady, jittery;
  int64_t a = 0, b = 0;
  for (int i = 0; i < 100; ++i) {
    steady.heartbeat(a);
    jittery.heartbeat(b);
    a += 500 * ms;
    b += (i % 2 ? 100 : 900) * ms; // same mean, large spread
  }
  int64_t silence = 1500 * ms;
  CHECK(steady.phi(a - 500 * ms + silence) > jittery.phi(b - 100 * ms + silence));
}

TEST_CASE("phi: an acceptable pause delays suspicion by that much") {
  phi_accrual plain, paused({200, 100 * ms, 1000 * ms, 500 * ms});
  for (int64_t t = 0; t < 20'000 * ms; t += 500 * ms) {
    plain.heartbeat(t);
    paused.heartbeat(t);
  }
  int64_t last = 20'000 * ms - 500 * ms;
  CHECK(plain.suspected(last + 1500 * ms, 8));
  CHECK_FALSE(paused.suspected(last + 1500 * ms, 8));
}
