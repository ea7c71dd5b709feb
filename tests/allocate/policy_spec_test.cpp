// Policy names as the command line spells them.
#include <catch2/catch.hpp>

#include "prescient/allocate/policy_spec.hpp"

using namespace prescient::allocate;

TEST_CASE("policy names parse; bad ones say why") {
  policy_spec s;
  std::string e;
  REQUIRE(parse_policy("keepalive:10m", s, e));
  CHECK(s.kind == policy_spec::family::keepalive);
  CHECK(s.keepalive == 10);
  CHECK(s.name == "keepalive:10m");
  REQUIRE(parse_policy("reactive", s, e));
  CHECK(s.kind == policy_spec::family::reactive);
  REQUIRE(parse_policy("hybrid-histogram", s, e));
  CHECK(s.kind == policy_spec::family::hybrid);
  CHECK(s.hybrid.range == 240);
  REQUIRE(parse_policy("prescient", s, e));
  CHECK(s.prescient.cold_start_gb_min == 40);
  REQUIRE(parse_policy("prescient:4.5", s, e));
  CHECK(s.prescient.cold_start_gb_min == 4.5);
  for (const char* bad : {"keepalive:abc", "keepalive:0m", "keepalive:10", "keepalive:m", "keepalive:-5m",
                          "keepalive:10s", "prescient:0", "prescient:x", "foo", "", "Reactive"}) {
    INFO(bad);
    CHECK_FALSE(parse_policy(bad, s, e));
    CHECK(e.find(std::string("'") + bad + "'") != std::string::npos);
  }
  CHECK_FALSE(parse_policy("foo", s, e));
  CHECK(e == "unknown policy 'foo' (reactive, keepalive:<N>m, hybrid-histogram, prescient[:<C>])");
}
