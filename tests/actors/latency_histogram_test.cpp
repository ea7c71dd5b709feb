#include <catch2/catch.hpp>

#include "latency_histogram.hpp"

using prescient::latency_histogram;

TEST_CASE("latency quantiles are within the bucket precision") {
  latency_histogram h;
  CHECK(h.quantile(0.5) == 0);
  for (int us = 1; us <= 1000; ++us)
    h.add(us);
  CHECK(h.count() == 1000);
  CHECK(h.quantile(0.5) == Approx(500).epsilon(0.07));
  CHECK(h.quantile(0.99) == Approx(990).epsilon(0.07));
  h.add(-3); // clamps, never indexes out of range
  h.add(int64_t{1} << 62);
  CHECK(h.quantile(1.0) > 1e9);
}
