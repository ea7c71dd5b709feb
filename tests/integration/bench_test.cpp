// prescient-bench request and cluster end to end with a small N: the
// documented JSON keys, positive figures, and a one-line exit 2 on a bad
// flag. No timing assertions (this machine is shared) except issue 5's
// failover target in the kill cycles.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

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
  INFO(r.out); // the JSON says why a cycle did not complete (`error`)
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
  CHECK(j["cycles"] == 1); // the default
  CHECK(j["failover_s_p50"] == j["failover_s"]);
  CHECK(j.contains("seed"));

  auto bad = it::run_bin("prescient-bench", {"cluster", "--nodes", "3", "--kill", "2"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "prescient-bench: --kill 2 must leave a majority of --nodes 3 alive (see --help)\n");
}

namespace {

// The last 4000 bytes of a node's log (every incarnation's, appended).
std::string log_tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
}

} // namespace

// Issue 5's target. Hidden ("[.]") from the discovered tests and their 300 s
// timeout: tests/integration/CMakeLists.txt registers it with its own.
TEST_CASE("prescient-bench cluster: 20 SIGKILL cycles lose nothing and leave nothing unanswered",
          "[.][integration][bench][cluster][cycles]") {
  auto dir = testkit::make_temp_dir("prescient-bench-it");
  auto r = it::run_bin("prescient-bench",
                       {"cluster", "--json", "--nodes", "3", "--kill", "1", "--cycles", "20",
                        "--phases", "failover", "--load-s", "0.5", "--dir", dir});
  INFO(r.err);
  INFO(r.out);
  auto j = nlohmann::json::parse(r.out.empty() ? "{}" : r.out);
  REQUIRE(j.contains("cycles"));
  // Before the work directory goes: the nodes' logs tell why a cycle failed.
  if (j["cycles"] != 20 || j["lost"] != 0 || j["unanswered"] != 0) {
    for (auto n : {"n0", "n1", "n2"})
      WARN(n << ": " << log_tail(dir + "/cluster/" + n + "/data/prescientd.log"));
  }
  testkit::remove_tree(dir);
  CHECK(r.exit_code == 0);
  CHECK(j["cycles"] == 20);
  CHECK(j["acked"].get<uint64_t>() > 0);
  CHECK(j["lost"] == 0);
  CHECK(j["requests"].get<uint64_t>() > 0);
  CHECK(j["unanswered"] == 0);
  CHECK(j["failover_s"].get<double>() > 0);
  CHECK(j["failover_s"].get<double>() <= 5);
  CHECK(j["failover_s_p50"].get<double>() <= j["failover_s"].get<double>());
}
