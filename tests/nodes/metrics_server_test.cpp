// The /metrics server in-process against a stand-in admin actor: what it
// renders, and a 503 with the reason when an answer does not come in time
// (the scrape gives up; the actors are never blocked).
#include <catch2/catch.hpp>


#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "bridge.hpp"
#include "metrics_server.hpp"
#include "prescient/testkit/http_exchange.hpp"

using namespace prescient;

namespace {

struct stand_in_state {
  static inline const char* name = "stand-in admin";
  std::vector<caf::typed_response_promise<node_status>> held; // never answered
};

// Answers like the admin actor with fixed figures; `stall` holds every
// status request unanswered.
admin_actor::behavior_type stand_in_admin(admin_actor::stateful_pointer<stand_in_state> self,
                                          bool stall) {
  return {
    [=](status_atom) -> caf::result<node_status> {
      if (stall) {
        auto rp = self->make_response_promise<node_status>();
        self->state.held.push_back(rp);
        return rp;
      }
      node_status s;
      s.node_id = "n1";
      s.version = "test";
      s.event_time_us = 1'700'000'000'000'000;
      s.data_centers.push_back({"dc \"a\"\\b", "r", 1000, 250, 2048, 512, 3});
      return s;
    },
    [](user_atom, const std::string&, const std::string&) -> caf::result<user_summary> {
      return user_summary{};
    },
    [](kpis_atom) -> caf::result<kpis> {
      kpis k;
      k.events_ingested = 7;
      k.grants_shadow = 2;
      k.decision_latency_p99_us = 250;
      k.reserve_hits = 5;
      k.claims_forwarded = 4;
      k.claims_remote_dc = 9;
      k.idle_warm_cost = 0.125;
      return k;
    },
    [](erase_atom, const std::string&, const std::string&) -> caf::result<bool> {
      return true;
    },
    [](forecast_atom, const std::string&, uint32_t) -> caf::result<data_center_forecast> {
      return data_center_forecast{};
    },
    [](anomalies_atom, uint32_t) -> caf::result<std::vector<anomaly>> {
      return std::vector<anomaly>{};
    },
  };
}

std::string get_metrics(uint16_t port) {
  return testkit::http_exchange(port, testkit::http_request("GET", "/metrics"));
}

struct server_fixture {
  explicit server_fixture(bool stall) : sys(cfg) {
    bridge = node::spawn_bridge(sys);
    admin = sys.spawn(stand_in_admin, stall);
    node::metrics_sources src{bridge, admin, {}, std::chrono::milliseconds(300)};
    server = std::make_unique<node::metrics_server>(src, node::listen_address{"127.0.0.1", 0});
  }
  ~server_fixture() {
    server.reset();
    // A stalled admin never finishes on its own; the system waits for it.
    caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(admin, caf::exit_reason::user_shutdown);
  }
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor bridge;
  admin_actor admin;
  std::unique_ptr<node::metrics_server> server;
};

} // namespace

TEST_CASE("metrics server renders the Prometheus text format", "[nodes][metrics]") {
  server_fixture f(false);
  auto resp = get_metrics(f.server->port());
  REQUIRE(resp.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(resp.find("\nprescient_events_ingested_total 7\n") != std::string::npos);
  CHECK(resp.find("\nprescient_grants_total{path=\"shadow\"} 2\n") != std::string::npos);
  CHECK(resp.find("\nprescient_decision_latency_seconds{quantile=\"0.99\"} 0.00025\n")
        != std::string::npos);
  CHECK(resp.find("\nprescient_reserve_claims_total{outcome=\"hit\"} 5\n") != std::string::npos);
  CHECK(resp.find("\nprescient_cluster_claims_total{route=\"forwarded\"} 4\n")
        != std::string::npos);
  CHECK(resp.find("\nprescient_cluster_claims_total{route=\"fallback\"} 0\n")
        != std::string::npos);
  CHECK(resp.find("\nprescient_cluster_claims_total{route=\"remote_dc\"} 9\n")
        != std::string::npos);
  CHECK(resp.find("\nprescient_idle_warm_cost_total 0.125\n") != std::string::npos);
  CHECK(resp.find("\nprescient_event_time_watermark_seconds 1700000000\n")
        != std::string::npos);
  // Label values escape quotes and backslashes.
  CHECK(resp.find("\nprescient_data_center_live_grants{data_center=\"dc \\\"a\\\"\\\\b\"} 3\n")
        != std::string::npos);
  CHECK(resp.find("\nprescient_data_center_cpu_used_millicores{data_center=") != std::string::npos);
}

TEST_CASE("a scrape that cannot be gathered in time answers 503 with the reason",
          "[nodes][metrics]") {
  server_fixture f(true);
  auto started = std::chrono::steady_clock::now();
  auto resp = get_metrics(f.server->port());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - started)
              .count();
  INFO(resp);
  CHECK(resp.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(resp.find("metrics unavailable: ") != std::string::npos);
  CHECK(ms < 5000);
}
