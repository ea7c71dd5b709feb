#include "prescient/node/config.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace prescient::node;
using namespace std::chrono_literals;

namespace {

// The smallest valid file; tests append or prepend to it.
const std::string minimal = R"(
[[regions]]
name = "eu-west"

[[regions]]
name = "us-east"

[[data_centers]]
name = "dc-1"
region = "eu-west"
capacity = { cpu_millicores = 1000, memory_mb = 2048 }

[[tenants]]
id = "demo"
)";

/// The what() of the config_error `text` raises, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    parse_config(text, "test.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

bool one_line(const std::string& s) {
  return s.find('\n') == std::string::npos;
}

} // namespace

TEST_CASE("shipped configurations load", "[config]") {
  auto def = load_config(PRESCIENT_SOURCE_DIR "/config/default.toml");
  CHECK(def.node.id == "node-1");
  CHECK(def.node.rpc_listen.to_string() == "127.0.0.1:7400");
  CHECK(def.node.shards == 64);
  CHECK_FALSE(def.node.metrics_listen);
  CHECK(def.regions.size() == 2);
  CHECK(def.data_centers.size() == 3);
  CHECK(def.tenants.size() == 2);
  CHECK(def.policy.hold_time == 15min);
  CHECK(def.profiles.checkpoint_bytes == 8u << 20);
  CHECK(def.storage.retention_frequent == std::chrono::hours(24 * 90));
  REQUIRE(def.find_data_center("us-east-1a"));
  CHECK(def.find_data_center("us-east-1a")->latency_ms.at("eu-west") == 76);
  CHECK(def.find_data_center("eu-west-1a")->capacity.cpu_millicores
        == 2'000'000);
  REQUIRE(def.find_tenant("acme"));
  CHECK(node_config::allows(*def.find_tenant("acme"), "eu-west"));
  CHECK_FALSE(node_config::allows(*def.find_tenant("acme"), "us-east"));
  CHECK(node_config::allows(*def.find_tenant("demo"), "us-east"));
  auto text = describe(def);
  CHECK(text.find("node-1") != std::string::npos);
  CHECK(text.find("us-east-1a") != std::string::npos);

  auto multi = load_config(PRESCIENT_SOURCE_DIR
                           "/config/multi-region.example.toml");
  CHECK(multi.regions.size() == 4);
  CHECK(multi.data_centers.size() == 6);
  CHECK(multi.tenants.size() >= 3);
  REQUIRE(multi.node.metrics_listen);
  CHECK(multi.node.metrics_listen->port == 9400);
  CHECK(multi.ingest.max_batch_events == 5000);
  CHECK(multi.profiles.checkpoint_bytes == 16u << 20);
  CHECK(multi.policy.spot_ceiling == 0.02);
  CHECK(multi.policy.reserve_lead == 5min);
  CHECK(multi.data_centers[0].spot_prices.size() == 3);
}

TEST_CASE("defaults apply to absent keys", "[config]") {
  auto c = parse_config(minimal, "min.toml");
  node_section n;
  CHECK(c.node.id == n.id);
  CHECK(c.node.data_dir == "./var");
  CHECK(c.node.worker_threads == 0);
  CHECK(c.ingest.max_batch_events == 10000);
  CHECK(c.ingest.max_inflight_events == 200000);
  CHECK(c.ingest.max_clock_skew == 5min);
  CHECK(c.profiles.idle_passivation == 30min);
  CHECK(c.profiles.checkpoint_interval == 10s);
  CHECK(c.policy.prewarm_threshold == 0.8);
  CHECK(c.data_centers[0].cold_start_ms == 2000);
  CHECK(c.data_centers[0].warm_start_ms == 50);
  CHECK(c.data_centers[0].capacity.gpus == 0);
  CHECK(c.tenants[0].max_reserve_share == 0.5);
  CHECK(c.tenants[0].allowed_regions.empty());
  CHECK(c.source == "min.toml");
}

TEST_CASE("durations and addresses", "[config]") {
  CHECK(parse_duration("15m") == duration(15min));
  CHECK(parse_duration("30s") == duration(30s));
  CHECK(parse_duration("2h") == duration(2h));
  CHECK(parse_duration("7d") == duration(std::chrono::hours(168)));
  CHECK(parse_duration("1w") == duration(std::chrono::hours(168)));
  CHECK(parse_duration("500ms") == duration(500ms));
  CHECK(parse_duration("250us") == duration(250us));
  CHECK(parse_duration("1h30m") == duration(90min));
  CHECK(parse_duration("1.5h") == duration(90min));
  CHECK(parse_duration("0") == duration(0));
  CHECK_FALSE(parse_duration("10x"));
  CHECK_FALSE(parse_duration("10"));
  CHECK_FALSE(parse_duration("-5m"));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("m"));
  CHECK_FALSE(parse_duration("1.m"));
  CHECK_FALSE(parse_duration("5 m"));
  CHECK_FALSE(parse_duration("99999999999d"));
  CHECK(format_duration(15min) == "15m");
  CHECK(format_duration(90min) == "1h30m");
  CHECK(format_duration(std::chrono::hours(24 * 90)) == "90d");
  CHECK(format_duration(500ms) == "500ms");
  CHECK(format_duration(0s) == "0s");

  auto a = parse_listen_address("127.0.0.1:0");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 0);
  auto v6 = parse_listen_address("[::1]:7400");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->to_string() == "[::1]:7400");
  CHECK_FALSE(parse_listen_address("localhost"));
  CHECK_FALSE(parse_listen_address(":80"));
  CHECK_FALSE(parse_listen_address("host:65536"));
  CHECK_FALSE(parse_listen_address("host:http"));
  CHECK_FALSE(parse_listen_address("::1:80"));
}

TEST_CASE("all keys are read", "[config]") {
  auto c = parse_config(R"(
[node]
id = "n7"
rpc_listen = "[::]:0"
data_dir = "/tmp/p"
shards = 4096
worker_threads = 3
metrics_listen = "127.0.0.1:9000"
[storage]
sync = true
retention_frequent = "60d"
retention_regular = "20d"
retention_occasional = "1d"
[ingest]
max_batch_events = 100
max_event_age = "1d"
max_clock_skew = "0s"
max_inflight_events = 100
[profiles]
idle_passivation = "1h"
checkpoint_interval = "500ms"
checkpoint_bytes = 65536
[policy]
hold_time = "1m"
prewarm_threshold = 1
)" + minimal + R"(
[[tenants]]
id = "t2"
allowed_regions = ["us-east"]
max_reserve_share = 0
priority = -3
throttle_anomalous = true
throttle_time = "5m"
throttle_requests_per_minute = 2
)", "all.toml");
  CHECK(c.node.id == "n7");
  CHECK(c.node.rpc_listen.host == "::");
  CHECK(c.node.rpc_listen.port == 0);
  CHECK(c.node.shards == 4096);
  CHECK(c.node.worker_threads == 3);
  CHECK(c.node.metrics_listen->port == 9000);
  CHECK(c.storage.sync);
  CHECK(c.storage.retention_occasional == std::chrono::hours(24));
  CHECK(c.ingest.max_clock_skew == duration(0));
  CHECK(c.ingest.max_inflight_events == 100);
  CHECK(c.profiles.checkpoint_interval == 500ms);
  CHECK(c.profiles.checkpoint_bytes == 65536);
  CHECK(c.policy.prewarm_threshold == 1.0);
  CHECK(c.tenants[1].priority == -3);
  CHECK(c.tenants[1].allowed_regions == std::vector<std::string>{"us-east"});
  CHECK(c.tenants[1].throttle_anomalous);
  CHECK(c.tenants[1].throttle_time == std::chrono::minutes(5));
  CHECK(c.tenants[1].throttle_requests_per_minute == 2);
  CHECK_FALSE(c.tenants[0].throttle_anomalous);
}

TEST_CASE("cluster section", "[config][cluster]") {
  CHECK_FALSE(parse_config(minimal, "min.toml").cluster); // standalone

  auto c = parse_config(minimal + R"(
[cluster]
listen = "127.0.0.1:7500"
expected_nodes = 3
)", "c.toml");
  REQUIRE(c.cluster);
  CHECK(c.cluster->listen.to_string() == "127.0.0.1:7500");
  CHECK(c.cluster->expected_nodes == 3);
  CHECK(c.cluster->seeds.empty());
  CHECK(c.cluster->replicas == 2);
  CHECK(c.cluster->heartbeat_interval == 500ms);
  CHECK(c.cluster->connection_timeout == 5s);
  CHECK(c.cluster->request_timeout == 2s);
  CHECK(c.cluster->phi_threshold == 8);
  CHECK(c.cluster->region == "eu-west");

  auto all = parse_config(minimal + R"(
[cluster]
listen = "0.0.0.0:7501"
seeds = ["10.0.0.1:7500", "[::1]:7502"]
expected_nodes = 5
replicas = 3
heartbeat_interval = "200ms"
connection_timeout = "3s"
request_timeout = "1s"
phi_threshold = 10.5
region = "us-east"
)", "c.toml");
  REQUIRE(all.cluster);
  CHECK(all.cluster->seeds.size() == 2);
  CHECK(all.cluster->seeds[1].host == "::1");
  CHECK(all.cluster->replicas == 3);
  CHECK(all.cluster->heartbeat_interval == 200ms);
  CHECK(all.cluster->connection_timeout == 3s);
  CHECK(all.cluster->request_timeout == 1s);
  CHECK(all.cluster->phi_threshold == 10.5);
  CHECK(all.cluster->region == "us-east");
  CHECK(describe(all).find("cluster: endpoint 0.0.0.0:7501") != std::string::npos);

  struct error_case {
    const char* what;
    std::string text;
  };
  std::vector<error_case> cases = {
    {"key 'cluster.listen': missing required key", "[cluster]\nexpected_nodes = 3\n"},
    {"key 'cluster.expected_nodes': missing required key", "[cluster]\nlisten = \"h:1\"\n"},
    {"test.toml:16:10: key 'cluster.listen': invalid listen address",
     "[cluster]\nlisten = \"nope\"\nexpected_nodes = 3\n"},
    {"key 'cluster.listen': needs a fixed port",
     "[cluster]\nlisten = \"h:0\"\nexpected_nodes = 3\n"},
    {"key 'cluster.expected_nodes': value 0 is out of range 1..1024",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 0\n"},
    {"key 'cluster.seeds[1]': invalid seed address \"x\"",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nseeds = [\"h:2\", \"x\"]\n"},
    {"key 'cluster.seeds[0]': invalid seed address \"h:0\"",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nseeds = [\"h:0\"]\n"},
    {"key 'cluster.seeds': expected an array",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nseeds = \"h:2\"\n"},
    {"key 'cluster.replicas': value 0 is out of range 1..16",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nreplicas = 0\n"},
    {"key 'cluster.heartbeat_interval': must be between 10ms and 1m",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nheartbeat_interval = \"1ms\"\n"},
    {"key 'cluster.connection_timeout': connection_timeout (1s) must be longer than "
     "heartbeat_interval (2s)",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nheartbeat_interval = \"2s\"\n"
     "connection_timeout = \"1s\"\n"},
    {"key 'cluster.request_timeout': invalid duration",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nrequest_timeout = \"2\"\n"},
    {"key 'cluster.phi_threshold': value 0.5 is out of range [1, 100]",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nphi_threshold = 0.5\n"},
    {"key 'cluster.region': unknown region 'mars'; known regions: eu-west, us-east",
     "[cluster]\nlisten = \"h:1\"\nexpected_nodes = 3\nregion = \"mars\"\n"},
    {"unknown key 'cluster.lisen'",
     "[cluster]\nlisen = \"h:1\"\nexpected_nodes = 3\n"},
  };
  for (auto& c : cases) {
    INFO(c.text);
    auto err = error_of(minimal + c.text);
    CHECK(err.find(c.what) != std::string::npos);
    CHECK(one_line(err));
  }
}

TEST_CASE("errors name the key and the position", "[config]") {
  struct error_case {
    const char* what;
    std::string text;
    std::vector<std::string> expected; // substrings of what()
  };
  std::vector<error_case> cases{
    {"unknown top-level key", "colour = 1\n" + minimal,
     {"test.toml:1:1: ", "unknown key 'colour'", "known keys: node,"}},
    {"unknown nested key", "[node]\nid = \"a\"\nshard = 3\n" + minimal,
     {"test.toml:3:1: ", "unknown key 'node.shard'", "shards"}},
    {"unknown key in an array of tables",
     minimal + "\n[[tenants]]\nid = \"x\"\npriorty = 1\n",
     {"unknown key 'tenants[1].priorty'", "priority"}},
    {"unknown capacity key",
     minimal + "[[data_centers]]\nname = \"dc-2\"\nregion = \"eu-west\"\n"
               "capacity = { cpu = 1 }\n",
     {"unknown key 'data_centers[1].capacity.cpu'", "cpu_millicores"}},
    {"wrong type: string for a number",
     minimal + "[[data_centers]]\nname = \"dc-2\"\nregion = \"eu-west\"\n"
               "capacity = { cpu_millicores = \"lots\" }\n",
     {"test.toml:18:", "key 'data_centers[1].capacity.cpu_millicores': "
                       "expected a number, got a string"}},
    {"wrong type: integer for a duration",
     "[policy]\nhold_time = 15\n" + minimal,
     {"test.toml:2:13: ", "key 'policy.hold_time'", "got an integer"}},
    {"wrong type: string for a boolean", "[storage]\nsync = \"yes\"\n" + minimal,
     {"test.toml:2:", "key 'storage.sync': expected a boolean, got a string"}},
    {"wrong type: section is not a table", "node = 3\n" + minimal,
     {"test.toml:1:", "key 'node': expected a table, got an integer"}},
    {"out of range: shards", "[node]\nshards = 0\n" + minimal,
     {"test.toml:2:", "key 'node.shards'", "out of range 1..4096"}},
    {"out of range: too many shards", "[node]\nshards = 5000\n" + minimal,
     {"key 'node.shards'", "5000"}},
    {"out of range: max_batch_events",
     "[ingest]\nmax_batch_events = 10001\n" + minimal,
     {"key 'ingest.max_batch_events'", "1..10000"}},
    {"out of range: prewarm_threshold zero",
     "[policy]\nprewarm_threshold = 0.0\n" + minimal,
     {"key 'policy.prewarm_threshold'", "out of range (0, 1]"}},
    {"out of range: prewarm_threshold above one",
     "[policy]\nprewarm_threshold = 1.5\n" + minimal,
     {"key 'policy.prewarm_threshold'"}},
    {"not finite", minimal + "[[data_centers]]\nname = \"dc-2\"\n"
                             "region = \"eu-west\"\nprice_spot = nan\n",
     {"key 'data_centers[1].price_spot'", "finite"}},
    {"negative capacity",
     minimal + "[[data_centers]]\nname = \"dc-2\"\nregion = \"eu-west\"\n"
               "capacity = { gpus = -1 }\n",
     {"key 'data_centers[1].capacity.gpus'", "out of range"}},
    {"max_reserve_share above one",
     minimal + "[[tenants]]\nid = \"t\"\nmax_reserve_share = 1.1\n",
     {"key 'tenants[1].max_reserve_share'"}},
    {"inflight below batch", "[ingest]\nmax_inflight_events = 10\n" + minimal,
     {"key 'ingest.max_inflight_events'", "at least max_batch_events"}},
    {"bad listen address", "[node]\nrpc_listen = \"localhost\"\n" + minimal,
     {"test.toml:2:", "key 'node.rpc_listen'", "host:port"}},
    {"bad metrics address", "[node]\nmetrics_listen = \"127.0.0.1:99999\"\n" + minimal,
     {"test.toml:2:", "key 'node.metrics_listen'", "host:port", "\"\" for off"}},
    {"bad duration", "[profiles]\nidle_passivation = \"10x\"\n" + minimal,
     {"test.toml:2:", "key 'profiles.idle_passivation'",
      "invalid duration \"10x\""}},
    {"zero duration", "[policy]\nhold_time = \"0s\"\n" + minimal,
     {"key 'policy.hold_time'", "greater than zero"}},
    {"bad size", "[profiles]\ncheckpoint_bytes = \"8 parsecs\"\n" + minimal,
     {"key 'profiles.checkpoint_bytes'", "invalid size"}},
    {"model memory too small", "[profiles]\nmodel_memory = 1024\n" + minimal,
     {"key 'profiles.model_memory'"}},
    {"training too often", "[learned]\ntrain_interval = \"10s\"\n" + minimal,
     {"key 'learned.train_interval'", "at least 1m"}},
    {"learned switch not a bool", "[learned]\nenabled = \"yes\"\n" + minimal,
     {"key 'learned.enabled'"}},
    {"unknown learned key", "[learned]\nepochs = 3\n" + minimal,
     {"epochs"}},
    {"duplicate region", minimal + "[[regions]]\nname = \"eu-west\"\n",
     {"key 'regions[2].name'", "duplicate region 'eu-west'",
      "first defined in regions[0]"}},
    {"duplicate data center",
     minimal + "[[data_centers]]\nname = \"dc-1\"\nregion = \"us-east\"\n",
     {"key 'data_centers[1].name'", "duplicate data center 'dc-1'"}},
    {"duplicate tenant", minimal + "[[tenants]]\nid = \"demo\"\n",
     {"key 'tenants[1].id'", "duplicate tenant 'demo'"}},
    {"unknown region in a data center",
     minimal + "[[data_centers]]\nname = \"dc-2\"\nregion = \"mars\"\n",
     {"test.toml:", "key 'data_centers[1].region'", "unknown region 'mars'",
      "known regions: eu-west, us-east"}},
    {"unknown region in latency_ms",
     minimal + "[[data_centers]]\nname = \"dc-2\"\nregion = \"eu-west\"\n"
               "latency_ms = { eu-west = 3, moon = 1300 }\n",
     {"key 'data_centers[1].latency_ms.moon'", "unknown region 'moon'"}},
    {"unknown region in allowed_regions",
     minimal + "[[tenants]]\nid = \"t\"\nallowed_regions = [\"eu-west\", "
               "\"atlantis\"]\n",
     {"key 'tenants[1].allowed_regions[1]'", "unknown region 'atlantis'"}},
    {"missing required name",
     minimal + "[[data_centers]]\nregion = \"eu-west\"\n",
     {"test.toml:", "key 'data_centers[1].name': missing required key"}},
    {"missing required region",
     minimal + "[[data_centers]]\nname = \"dc-2\"\n",
     {"key 'data_centers[1].region': missing required key"}},
    {"missing required tenant id", minimal + "[[tenants]]\npriority = 1\n",
     {"key 'tenants[1].id': missing required key"}},
    {"no regions at all", "[[tenants]]\nid = \"demo\"\n",
     {"key 'regions'", "at least one"}},
    {"no tenants",
     "[[regions]]\nname = \"r\"\n[[data_centers]]\nname = \"d\"\n"
     "region = \"r\"\n",
     {"key 'tenants'", "at least one"}},
    {"empty name", minimal + "[[regions]]\nname = \"\"\n",
     {"key 'regions[2].name'", "empty"}},
    {"syntax error", minimal + "\n[node]\nid = \"unterminated\n",
     {"test.toml:17:", "syntax error"}},
    {"duplicate TOML key", "[node]\nid = \"a\"\nid = \"b\"\n" + minimal,
     {"test.toml:3:", "syntax error"}},
    {"throttle flag not a boolean",
     minimal + "[[tenants]]\nid = \"t\"\nthrottle_anomalous = \"yes\"\n",
     {"key 'tenants[1].throttle_anomalous'"}},
    {"throttle rate negative",
     minimal + "[[tenants]]\nid = \"t\"\nthrottle_requests_per_minute = -1\n",
     {"key 'tenants[1].throttle_requests_per_minute'"}},
    {"throttle time zero", minimal + "[[tenants]]\nid = \"t\"\nthrottle_time = \"0s\"\n",
     {"key 'tenants[1].throttle_time'", "greater than zero"}},
  };
  for (auto& c : cases) {
    INFO(c.what);
    auto msg = error_of(c.text);
    INFO(msg);
    REQUIRE_FALSE(msg.empty());
    CHECK(one_line(msg));
    CHECK(msg.rfind("test.toml", 0) == 0);
    for (auto& want : c.expected)
      CHECK(msg.find(want) != std::string::npos);
  }
}

TEST_CASE("spot prices and the warm reserve are read strictly", "[config]") {
  auto dc2 = std::string("[[data_centers]]\nname = \"dc-2\"\nregion = \"eu-west\"\n");
  auto ok = parse_config("[policy]\nspot_ceiling = 0.02\nreserve_lead = \"10m\"\n"
                         "reserve_margin = 0.25\nreserve_pool_share = 0.3\n"
                           + minimal + dc2
                           + "spot_prices = [[1767225600, 0.014], [1767258000, 0.021]]\n",
                         "test.toml");
  CHECK(ok.policy.spot_ceiling == 0.02);
  CHECK(ok.policy.reserve_lead == 10min);
  CHECK(ok.policy.reserve_margin == 0.25);
  CHECK(ok.policy.reserve_pool_share == 0.3);
  auto& series = ok.data_centers[1].spot_prices;
  REQUIRE(series.size() == 2);
  CHECK(series[1].time_s == 1767258000);
  CHECK(series[1].price == 0.021);
  auto defaults = parse_config(minimal, "test.toml");
  CHECK(defaults.policy.spot_ceiling == 0);
  CHECK(defaults.policy.reserve_lead.count() == 0);
  CHECK(defaults.data_centers[0].spot_prices.empty());

  // Line 18 is the spot_prices line of dc-2.
  std::vector<std::pair<std::string, std::vector<std::string>>> bad{
    {dc2 + "spot_prices = 3\n",
     {"test.toml:18:", "'data_centers[1].spot_prices'", "[t_seconds, price]"}},
    {dc2 + "spot_prices = [[1, 0.1, 2]]\n",
     {"test.toml:18:16: ", "'data_centers[1].spot_prices[0]'", "pair"}},
    {dc2 + "spot_prices = [[1.5, 0.1]]\n",
     {"test.toml:18:17: ", "'data_centers[1].spot_prices[0][0]'", "integer"}},
    {dc2 + "spot_prices = [[1, \"cheap\"]]\n",
     {"test.toml:18:", "'data_centers[1].spot_prices[0][1]'", "expected a number"}},
    {dc2 + "spot_prices = [[1, -0.1]]\n", {"spot_prices[0][1]", "out of range"}},
    {dc2 + "spot_prices = [[-5, 0.1]]\n", {"spot_prices[0][0]", "out of range"}},
    {dc2 + "spot_prices = [[10, 0.1], [10, 0.2]]\n",
     {"test.toml:18:", "'data_centers[1].spot_prices[1][0]'", "not after"}},
  };
  for (auto& [tail, expected] : bad) {
    INFO(tail);
    auto e = error_of(minimal + tail);
    CHECK(one_line(e));
    for (auto& part : expected)
      CHECK_THAT(e, Catch::Contains(part));
  }
  for (auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
         {"spot_ceiling = -1", "policy.spot_ceiling"},
         {"spot_ceiling = \"low\"", "policy.spot_ceiling"},
         {"reserve_lead = 5", "policy.reserve_lead"},
         {"reserve_lead = \"soon\"", "policy.reserve_lead"},
         {"reserve_margin = 1.5", "policy.reserve_margin"},
         {"reserve_pool_share = -0.1", "policy.reserve_pool_share"}}) {
    auto e = error_of("[policy]\n" + text + "\n" + minimal);
    INFO(text);
    CHECK_THAT(e, Catch::Contains("test.toml:2:"));
    CHECK_THAT(e, Catch::Contains("key '" + key + "'"));
  }
}

TEST_CASE("load_config reports file problems", "[config]") {
  try {
    load_config("/nonexistent/prescient.toml");
    FAIL("no exception");
  } catch (const config_error& e) {
    std::string msg = e.what();
    CHECK(msg.find("/nonexistent/prescient.toml") == 0);
    CHECK(msg.find("cannot open") != std::string::npos);
  }
  CHECK_THROWS_AS(load_config(PRESCIENT_SOURCE_DIR "/config"), config_error);
  // config_error is a runtime_error, so generic handlers still catch it.
  CHECK_THROWS_AS(parse_config("x = ", "t"), std::runtime_error);
}

TEST_CASE("provider keys and app templates", "[config]") {
  const std::string dc2 = "[[data_centers]]\nname = \"dc-2\"\nregion = \"eu-west\"\n";
  const std::string app = "[[apps]]\nname = \"nb\"\ncommand = [\"/bin/nb\", \"--port\", \"0\"]\n";
  SECTION("defaults: simulated, delays from cold_start_ms and warm_start_ms") {
    auto cfg = parse_config(minimal + dc2 + "cold_start_ms = 900\nwarm_start_ms = 30\n",
                            "test.toml");
    auto& dc = cfg.data_centers[1];
    CHECK(dc.provider == "simulated");
    CHECK(dc.cold_start.kind == prescient::providers::delay_distribution::kind_t::fixed);
    CHECK(dc.cold_start.a == 900);
    CHECK(dc.warm_start.a == 30);
    CHECK(dc.warmup_step.a == 100);
    CHECK(dc.failure_rate == 0);
    CHECK(dc.seed == 1);
    CHECK(cfg.apps.empty());
  }
  SECTION("every key is read") {
    auto cfg = parse_config(
      minimal + dc2
        + "provider = \"process\"\ncold_start = \"lognormal:2000:9000\"\n"
          "warmup_step = \"uniform:50:200\"\nwarm_start = \"fixed:40\"\n"
          "failure_rate = 0.25\nseed = 7\n"
          "[data_centers.process]\ngrace = \"1s\"\npoll_interval = \"2ms\"\n"
          "environment = [\"LOG=info\"]\nstate_dir = \"providers/x\"\n"
          "[[apps]]\nname = \"nb\"\ncommand = [\"/bin/nb\", \"-q\"]\n"
          "warmup_steps = [\"import numpy\", \"load\"]\n"
          "resources = { cpu_millicores = 1000, memory_mb = 2048 }\n"
          "ready_probe = \"tcp:127.0.0.1:8888\"\nstart_timeout = \"20s\"\n"
          "step_timeout = \"3s\"\n",
      "test.toml");
    auto& dc = cfg.data_centers[1];
    CHECK(dc.provider == "process");
    CHECK(dc.cold_start.kind == prescient::providers::delay_distribution::kind_t::lognormal);
    CHECK(dc.warmup_step.b == 200);
    CHECK(dc.warm_start.a == 40);
    CHECK(dc.failure_rate == 0.25);
    CHECK(dc.seed == 7);
    CHECK(dc.process.grace == 1s);
    CHECK(dc.process.poll_interval == 2ms);
    CHECK(dc.process.environment == std::vector<std::string>{"LOG=info"});
    CHECK(dc.process.state_dir == "providers/x");
    REQUIRE(cfg.apps.size() == 1);
    auto& a = cfg.apps[0];
    CHECK(a.name == "nb");
    CHECK(a.command == std::vector<std::string>{"/bin/nb", "-q"});
    CHECK(a.warmup_steps.size() == 2);
    CHECK(a.resources.memory_mb == 2048);
    CHECK(a.ready_probe == "tcp:127.0.0.1:8888");
    CHECK(a.start_timeout == 20s);
    CHECK(a.step_timeout == 3s);
  }
  SECTION("bad values name the key and the position") {
    std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {minimal + dc2 + "provider = \"cloud\"\n",
       {"test.toml:18:", "key 'data_centers[1].provider'", "\"simulated\" or \"process\""}},
      {minimal + dc2 + "cold_start = \"lognormal:9000:2000\"\n",
       {"test.toml:18:", "key 'data_centers[1].cold_start'", "invalid delay"}},
      {minimal + dc2 + "warm_start = 50\n",
       {"key 'data_centers[1].warm_start'", "expected a string"}},
      {minimal + dc2 + "failure_rate = 1.5\n",
       {"key 'data_centers[1].failure_rate'", "out of range"}},
      {minimal + dc2 + "seed = -1\n", {"key 'data_centers[1].seed'", "out of range"}},
      {minimal + dc2 + "[data_centers.process]\ngrace = \"1s\"\n",
       {"key 'data_centers[1].process'", "needs provider = \"process\""}},
      {minimal + dc2 + "provider = \"process\"\n[data_centers.process]\ngrase = \"1s\"\n" + app,
       {"test.toml:20:", "unknown key 'data_centers[1].process.grase'", "grace"}},
      {minimal + dc2 + "provider = \"process\"\n[data_centers.process]\n"
                       "environment = [\"NOEQUALS\"]\n" + app,
       {"key 'data_centers[1].process.environment[0]'", "NAME=value"}},
      {minimal + dc2 + "provider = \"process\"\n",
       {"key 'data_centers[1].provider'", "needs [[apps]]"}},
      {minimal + dc2 + "provider = \"process\"\n[[apps]]\nname = \"sim-only\"\n",
       {"key 'apps[0].command'", "no command line", "'dc-2'"}},
      {minimal + app + app, {"key 'apps[1].name'", "duplicate app 'nb'"}},
      {minimal + "[[apps]]\ncommand = [\"x\"]\n", {"key 'apps[0].name'", "missing"}},
      {minimal + "[[apps]]\nname = \"a\"\ncommand = [\"\"]\n",
       {"key 'apps[0].command[0]'", "must not be empty"}},
      {minimal + "[[apps]]\nname = \"a\"\ncommand = \"x\"\n",
       {"key 'apps[0].command'", "an array of strings"}},
      {minimal + "[[apps]]\nname = \"a\"\nready_probe = \"http://x\"\n",
       {"key 'apps[0].ready_probe'", "tcp:HOST:PORT"}},
      {minimal + "[[apps]]\nname = \"a\"\nstart_timeout = \"0s\"\n",
       {"key 'apps[0].start_timeout'", "greater than zero"}},
      {minimal + "[[apps]]\nname = \"a\"\nresources = { cpu = 1 }\n",
       {"unknown key 'apps[0].resources.cpu'"}},
      {minimal + "[[apps]]\nname = \"a\"\nwarmup_steps = [\"a\\nb\"]\n",
       {"key 'apps[0].warmup_steps[0]'", "one line"}},
    };
    for (auto& [text, expected] : cases) {
      auto err = error_of(text);
      INFO(text);
      INFO(err);
      CHECK(one_line(err));
      for (auto& e : expected)
        CHECK(err.find(e) != std::string::npos);
    }
  }
}
