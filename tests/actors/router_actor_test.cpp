// Data-center choice: policy first, then latency, then price.
#include <catch2/catch.hpp>

#include "prescient/actors/router_actor.hpp"

using namespace prescient;

TEST_CASE("data centers are ranked by policy, latency and price") {
  std::vector<data_center_spec> dcs{
    {"eu-1", "eu", {}, {{"eu", 5}, {"us", 80}}, 0.05, 0},
    {"eu-2", "eu", {}, {{"eu", 5}, {"us", 90}}, 0.04, 0},
    {"us-1", "us", {}, {{"eu", 80}, {"us", 3}}, 0.06, 0},
    {"ap-1", "ap", {}, {}, 0.01, 0}, // no latency known
  };
  tenant_policy any{"t", {}, 0.5, 0};
  CHECK(rank_data_centers(dcs, any, "us") == std::vector<size_t>{2, 0, 1, 3});
  // Equal latency from eu: the cheaper one first.
  CHECK(rank_data_centers(dcs, any, "eu") == std::vector<size_t>{1, 0, 2, 3});
  tenant_policy eu_only{"t", {"eu"}, 0.5, 0};
  CHECK(rank_data_centers(dcs, eu_only, "us") == std::vector<size_t>{0, 1});
  tenant_policy nowhere{"t", {"mars"}, 0.5, 0};
  CHECK(rank_data_centers(dcs, nowhere, "eu").empty());
  // No region given: by price.
  CHECK(rank_data_centers(dcs, any, "").front() == 3);
}
