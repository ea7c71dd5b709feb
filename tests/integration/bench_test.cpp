// prescient-bench request end to end with a small N: the documented JSON
// keys, positive figures, and a one-line exit 2 on a bad flag. No timing
// assertions: this machine is shared.
#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fixture.hpp"

using namespace prescient;

TEST_CASE("prescient-bench request --json reports latency beside bare RPC",
          "[integration][bench]") {
  auto dir = testkit::make_temp_dir("prescient-bench-it");
  auto r = it::run_bin("prescient-bench",
                       {"request", "--json", "--requests", "60", "--warmup", "10",
                        "--bare-calls", "60", "--concurrency", "2", "--dir", dir});
  testkit::remove_tree(dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  for (auto key : {"p50_us", "p99_us", "bare_rpc_p50_us", "bare_rpc_p99_us"}) {
    INFO(key);
    REQUIRE(j.contains(key));
    CHECK(j[key].get<double>() > 0);
  }
  CHECK(j["requests"] == 60);
  CHECK(j["p99_us"].get<double>() >= j["p50_us"].get<double>());
}

TEST_CASE("prescient-bench request refuses bad flags in one line", "[integration][bench]") {
  auto r = it::run_bin("prescient-bench", {"request", "--requests", "many"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--requests") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(it::run_bin("prescient-bench", {"request", "--no-such-flag"}).exit_code == 2);
}

TEST_CASE("prescient-bench cluster --json reports 1 vs 3 nodes and a SIGKILL",
          "[integration][bench][cluster]") {
  auto dir = testkit::make_temp_dir("prescient-bench-it");
  auto r = it::run_bin("prescient-bench",
                       {"cluster", "--json", "--nodes", "3", "--kill", "1", "--events", "5000",
                        "--users", "100", "--requests", "50", "--load-s", "1", "--dir", dir});
  testkit::remove_tree(dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  for (auto key : {"single_events_per_s", "cluster_events_per_s", "single_request_p50_us",
                   "cluster_request_p99_us", "failover_s"}) {
    INFO(key);
    REQUIRE(j.contains(key));
    CHECK(j[key].get<double>() > 0);
  }
  CHECK(j["acked"].get<uint64_t>() > 0);
  CHECK(j["lost"] == 0);
  CHECK(j["requests"].get<uint64_t>() > 0);
  CHECK(j["unanswered"] == 0);

  auto bad = it::run_bin("prescient-bench", {"cluster", "--nodes", "3", "--kill", "2"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "prescient-bench: --kill 2 must leave a majority of --nodes 3 alive (see --help)\n");
}
