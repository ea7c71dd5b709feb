// prescientctl against a real node: tables, --json for scripts, and a
// non-zero exit with a one-line reason when it cannot answer.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fixture.hpp"

using namespace prescient;
using prescient::it::run_bin;

TEST_CASE("prescientctl shows status, a user and KPIs", "[integration][ctl]") {
  it::node_fixture f;
  {
    client c(f.client_opts());
    for (int i = 0; i < 30; ++i)
      c.submit(it::make_event("frank", i));
    c.flush();
  }
  auto addr = f.node->address();

  auto status = run_bin("prescientctl", {"--address", addr, "--json", "status"});
  REQUIRE(status.exit_code == 0);
  auto js = nlohmann::json::parse(status.out);
  CHECK(js["node_id"] == "test-node");
  CHECK(js["events_ingested"] == 30);
  CHECK(js["data_centers"].size() == 3);

  auto user = run_bin("prescientctl", {"--address", addr, "--json", "user", "frank"});
  REQUIRE(user.exit_code == 0);
  auto ju = nlohmann::json::parse(user.out);
  CHECK(ju["found"] == true);
  CHECK(ju["events"] == 30);
  CHECK(ju["devices"][0] == "frank-laptop");

  auto kpis = run_bin("prescientctl", {"--address", addr, "--json", "kpis"});
  REQUIRE(kpis.exit_code == 0);
  auto jk = nlohmann::json::parse(kpis.out);
  CHECK(jk["events_ingested"] == 30);
  CHECK(jk.contains("decision_latency_p99_us"));
  for (auto* key : {"holds_placed", "holds_claimed", "holds_expired", "prealloc_success_rate",
                    "idle_warm_core_s", "idle_warm_gb_s", "utilization", "predictions_scored",
                    "prediction_error", "prediction_logloss", "prediction_ece",
                    "timing_coverage80", "demand_forecast_mae",
                    "demand_forecast_coverage95", "anomalies_flagged", "throttled",
                    "reserve_hits", "reserve_misses", "reserve_idle_core_s", "idle_warm_cost"})
    CHECK(jk.contains(key));
  CHECK(jk["utilization"].get<double>() >= 0);
  // frank launched ide 10 times: each launch after the first is scored
  // against the prediction made before it (always ide: no error).
  CHECK(jk["predictions_scored"].get<uint64_t>() >= 5);
  CHECK(jk["prediction_error"].get<double>() < 0.5);
  CHECK(ju.contains("predictions"));

  auto table = run_bin("prescientctl", {"--address", addr, "user", "frank"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("frank-laptop") != std::string::npos);
  CHECK(table.out.find("APP") != std::string::npos);
  auto st_table = run_bin("prescientctl", {"--address", addr, "status"});
  CHECK(st_table.out.find("eu-west-1") != std::string::npos);
}

TEST_CASE("prescientctl fails with a reason and a non-zero exit", "[integration][ctl]") {
  // Nothing listens on port 1 of loopback.
  auto r = run_bin("prescientctl",
                   {"--address", "127.0.0.1:1", "--timeout-ms", "2000", "status"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("prescientctl: 127.0.0.1:1:") == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  auto usage = run_bin("prescientctl", {"frobnicate"});
  CHECK(usage.exit_code != 0);
  auto bad_tenant = run_bin("prescientctl", {"--address", "127.0.0.1:1", "user"});
  CHECK(bad_tenant.exit_code != 0);
}

TEST_CASE("prescientctl shows a data center's demand forecast", "[integration][ctl]") {
  it::node_fixture f;
  {
    client c(f.client_opts());
    auto r = it::make_request("gil", "notebook", "eu-west", 100, 128);
    c.request(r);
  }
  auto addr = f.node->address();
  auto r = run_bin("prescientctl",
                   {"--address", addr, "--json", "forecast", "eu-west-1", "--horizon", "12"});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["data_center"] == "eu-west-1");
  CHECK(j["step_s"] == 300);
  REQUIRE(j["series"].size() == 2); // the total and "notebook"
  CHECK(j["series"][0]["app"] == "*");
  CHECK(j["series"][0]["point"].size() == 12);
  CHECK(j["series"][1]["app"] == "notebook");

  auto table = run_bin("prescientctl", {"--address", addr, "forecast", "eu-west-1"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("95% INTERVAL") != std::string::npos);

  auto unknown = run_bin("prescientctl", {"--address", addr, "forecast", "mars-1"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("data center 'mars-1' is not configured") != std::string::npos);
  auto bad = run_bin("prescientctl", {"--address", addr, "forecast", "eu-west-1",
                                      "--horizon", "0"});
  CHECK(bad.exit_code != 0);
}

TEST_CASE("prescientctl lists anomalies with their reasons", "[integration][ctl]") {
  it::node_fixture f;
  {
    client c(f.client_opts());
    // Fifteen requests in fifteen seconds: far above any user's usual pace.
    for (int i = 0; i < 15; ++i) {
      auto e = it::make_event("hana", i);
      e.kind = event_kind::request;
      c.submit(e);
    }
    c.flush();
    auto listed = c.anomalies(10);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].kind == "request_burst");
  }
  auto addr = f.node->address();
  auto r = run_bin("prescientctl", {"--address", addr, "--json", "anomalies", "--limit", "5"});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["tenant"] == "demo");
  CHECK(j[0]["user"] == "hana");
  CHECK(j[0]["data_center"] == "");
  CHECK(j[0]["kind"] == "request_burst");
  CHECK(j[0]["time_us"].get<int64_t>() > 0);
  CHECK(j[0]["reason"].get<std::string>().find("uses in the last minute > 10") != std::string::npos);

  auto table = run_bin("prescientctl", {"--address", addr, "anomalies"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("demo/hana") != std::string::npos);
  CHECK(table.out.find("request_burst") != std::string::npos);
  CHECK(run_bin("prescientctl", {"--address", addr, "anomalies", "--limit", "0"}).exit_code != 0);
}
