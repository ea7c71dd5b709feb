// The /metrics endpoint of a real prescientd: Prometheus text after ingest
// and requests, the HTTP error cases, and a bad or unusable metrics_listen.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "fixture.hpp"
#include "prescient/testkit/http_exchange.hpp"

using namespace prescient;

namespace {

using testkit::http_exchange;
using testkit::http_request;

// The value of the sample `series` (name plus labels, exactly as printed).
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, series.size() + 1, series + " ") == 0)
      return std::stod(line.substr(series.size() + 1));
  FAIL("no sample " << series);
  return 0;
}

struct metrics_node {
  metrics_node() {
    dir = testkit::make_temp_dir("prescient-metrics");
    config = testkit::write_config(dir);
    testkit::node_process::options o{it::bin_path("prescientd"), config, dir + "/data"};
    o.metrics_listen = "127.0.0.1:0";
    node = std::make_unique<testkit::node_process>(o);
  }
  ~metrics_node() {
    node.reset();
    testkit::remove_tree(dir);
  }
  std::string dir, config;
  std::unique_ptr<testkit::node_process> node;
};

} // namespace

TEST_CASE("GET /metrics reports what the node did", "[integration][metrics]") {
  metrics_node f;
  REQUIRE(f.node->metrics_port() != 0);
  client_options co;
  co.address = f.node->address();
  {
    client c(co);
    for (int i = 0; i < 40; ++i)
      c.submit(it::make_event("mia", i));
    c.flush();
    auto g = c.request(it::make_request("mia", "ide", "eu-west", 1000, 2048));
    c.release("demo", "mia", g);
    c.request(it::make_request("noah", "ide", "eu-west", 1000, 2048)); // kept
  }
  auto resp = http_exchange(f.node->metrics_port(), http_request("GET", "/metrics"));
  REQUIRE(resp.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(resp.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  auto body = resp.substr(resp.find("\r\n\r\n") + 4);
  CHECK(sample(body, "prescient_events_ingested_total") == 40);
  CHECK(sample(body, "prescient_events_rejected_total") == 0);
  CHECK(sample(body, "prescient_requests_total") == 2);
  CHECK(sample(body, "prescient_releases_total") == 1);
  CHECK(sample(body, "prescient_grants_total{path=\"prewarmed\"}")
          + sample(body, "prescient_grants_total{path=\"shadow\"}")
          + sample(body, "prescient_grants_total{path=\"reactive\"}")
        == 2);
  CHECK(sample(body, "prescient_decision_latency_seconds{quantile=\"0.99\"}") > 0);
  CHECK(sample(body, "prescient_resident_profiles") >= 1);
  CHECK(sample(body, "process_resident_memory_bytes") > 0);
  CHECK(sample(body, "prescient_event_time_watermark_seconds") > 0);
  CHECK(sample(body, "prescient_data_center_live_grants{data_center=\"eu-west-1\"}")
        == 1);
  CHECK(sample(body, "prescient_data_center_cpu_used_millicores{data_center=\"eu-west-1\"}")
        >= 1000);
  CHECK(body.find("# TYPE prescient_events_ingested_total counter\n") != std::string::npos);
  CHECK(body.find("# TYPE prescient_hit_rate gauge\n") != std::string::npos);
  CHECK(body.find("# HELP prescient_storage_bytes ") != std::string::npos);
  CHECK(body.find("# TYPE prescient_anomalies_flagged_total counter\n") != std::string::npos);
  CHECK(body.find("# TYPE prescient_prediction_error_ratio gauge\n") != std::string::npos);
  CHECK(sample(body, "prescient_throttled_total") == 0);
  // Every sample belongs to a family announced just before it.
  std::istringstream in(body);
  std::string family;
  std::regex sample_line(R"(([a-z_][a-z0-9_]*)(\{[^}]*\})? [-+0-9.eInfNa]+)");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
    } else if (line.rfind("# HELP ", 0) != 0) {
      std::smatch m;
      REQUIRE(std::regex_match(line, m, sample_line));
      CHECK(m[1] == family);
    }
  }
}

TEST_CASE("/metrics answers 404, 405 and 400", "[integration][metrics]") {
  metrics_node f;
  auto port = f.node->metrics_port();
  CHECK(http_exchange(port, http_request("GET", "/")).rfind("HTTP/1.1 404", 0) == 0);
  CHECK(http_exchange(port, http_request("GET", "/metricsx")).rfind("HTTP/1.1 404", 0) == 0);
  auto post = http_exchange(port, http_request("POST", "/metrics"));
  CHECK(post.rfind("HTTP/1.1 405", 0) == 0);
  CHECK(post.find("Allow: GET") != std::string::npos);
  CHECK(http_exchange(port, "NONSENSE\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
  CHECK(http_exchange(port, "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
          .rfind("HTTP/1.1 400", 0)
        == 0);
  CHECK(http_exchange(port, "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n")
          .rfind("HTTP/1.1 400", 0)
        == 0);
  // A header block past kj's bound is refused, never buffered without end.
  auto huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(256 * 1024, 'a')
              + "\r\n\r\n";
  CHECK(http_exchange(port, huge).rfind("HTTP/1.1 200", 0) != 0);
  // The node still serves afterwards.
  CHECK(http_exchange(port, http_request("GET", "/metrics?x=1")).rfind("HTTP/1.1 200", 0)
        == 0);
}

TEST_CASE("a bad metrics_listen stops the node with the key named",
          "[integration][metrics]") {
  auto dir = testkit::make_temp_dir("prescient-metrics-bad");
  auto config = testkit::write_config(dir);
  std::stringstream text;
  text << std::ifstream(config).rdbuf();
  auto s = text.str();
  s.replace(s.find("[node]\n"), 7, "[node]\nmetrics_listen = \"localhost\"\n");
  std::ofstream(config) << s;
  auto r = it::run_bin("prescientd", {"--config", config, "--data-dir", dir + "/data"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("key 'node.metrics_listen'") != std::string::npos);

  // Parsed fine but not bindable (the port is taken): exit 1, key named.
  it::node_fixture busy;
  auto taken = "127.0.0.1:" + std::to_string(busy.node->port());
  auto r2 = it::run_bin("prescientd", {"--config", busy.config, "--data-dir",
                                       dir + "/data2", "--listen", "127.0.0.1:0",
                                       "--metrics-listen", taken});
  CHECK(r2.exit_code == 1);
  CHECK(r2.err.find("node.metrics_listen") != std::string::npos);
  testkit::remove_tree(dir);
}
