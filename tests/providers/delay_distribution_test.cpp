#include "prescient/providers/delay_distribution.hpp"

#include <algorithm>
#include <vector>

#include <catch2/catch.hpp>

using namespace prescient::providers;

namespace {

std::vector<int64_t> draws(const delay_distribution& d, uint64_t seed,
                           size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(d.draw_us(rng));
  return out;
}

} // namespace

TEST_CASE("fixed and uniform delays stay in their range") {
  CHECK(draws(delay_distribution::fixed(50), 1, 3)
        == std::vector<int64_t>{50'000, 50'000, 50'000});
  for (auto x : draws(delay_distribution::uniform(20, 80), 7, 1000)) {
    CHECK(x >= 20'000);
    CHECK(x <= 80'000);
  }
}

TEST_CASE("lognormal delays have the configured median and p99") {
  auto d = delay_distribution::lognormal(2000, 9000);
  auto xs = draws(d, 42, 20000);
  std::sort(xs.begin(), xs.end());
  CHECK(xs[xs.size() / 2] == Approx(2'000'000).epsilon(0.05));
  CHECK(xs[xs.size() * 99 / 100] == Approx(9'000'000).epsilon(0.1));
}

TEST_CASE("a seed gives the same delays every time") {
  auto d = delay_distribution::lognormal(100, 1000);
  CHECK(draws(d, 3, 50) == draws(d, 3, 50));
  CHECK(draws(d, 3, 50) != draws(d, 4, 50));
}

TEST_CASE("delay distributions parse from their config spelling") {
  delay_distribution d;
  CHECK(d.parse("fixed:50"));
  CHECK((d.kind == delay_distribution::kind_t::fixed && d.a == 50));
  CHECK(d.parse("uniform:20:80"));
  CHECK((d.kind == delay_distribution::kind_t::uniform && d.b == 80));
  CHECK(d.parse("lognormal:2000:9000"));
  CHECK((d.kind == delay_distribution::kind_t::lognormal && d.a == 2000));
  for (auto bad : {"", "fixed", "fixed:-1", "uniform:80:20", "lognormal:0:5",
                   "normal:1:2", "fixed:1x", "uniform:1:2:3"})
    CHECK_FALSE(d.parse(bad));
  CHECK(d.kind == delay_distribution::kind_t::lognormal); // left alone
}
