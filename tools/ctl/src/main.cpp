// prescientctl: asks a node's admin actor about its state.
//   prescientctl [--address HOST:PORT] [--token T] [--json] status | user ID | kpis | forecast DC
//                | anomalies [--limit N]
// Exit codes: 0 answered, 1 the node failed or refused, 2 bad usage.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "render.hpp"

int main(int argc, char** argv) {
  CLI::App app{"prescientctl — query a Prescient node"};
  app.require_subcommand(1);
  std::string address = "127.0.0.1:7400";
  if (const char* env = std::getenv("PRESCIENT_ADDRESS"))
    address = env;
  // A token on the command line shows in `ps`; the environment does not.
  std::string token;
  if (const char* env = std::getenv("PRESCIENT_TOKEN"))
    token = env;
  bool json = false;
  int timeout_ms = 5'000;
  app.add_option("--address", address,
                 "node to ask, host:port (default $PRESCIENT_ADDRESS or 127.0.0.1:7400)");
  app.add_option("--token", token,
                 "log in with this token (default $PRESCIENT_TOKEN; needed when the "
                 "node enforces authentication)");
  app.add_flag("--json", json, "print JSON for scripts instead of tables");
  app.add_option("--timeout-ms", timeout_ms, "give up after this long")
    ->check(CLI::Range(1, 3'600'000));
  app.fallthrough();
  auto* status = app.add_subcommand("status", "node status and data centers");
  auto* user = app.add_subcommand("user", "one user's history summary");
  std::string user_id;
  std::string tenant = "demo";
  user->add_option("id", user_id, "user id")->required();
  user->add_option("--tenant", tenant, "the user's tenant (default demo)");
  auto* kpis = app.add_subcommand("kpis", "hit rate, cold starts, latencies");
  auto* forecast = app.add_subcommand("forecast", "a data center's demand forecast");
  std::string dc;
  uint32_t horizon = 24;
  forecast->add_option("dc", dc, "data center name")->required();
  forecast->add_option("--horizon", horizon, "5-minute steps ahead (default 24 = 2 h)")
    ->check(CLI::Range(1, 2016));
  auto* anomalies = app.add_subcommand("anomalies", "the latest unusual users and demand");
  uint32_t limit = 50;
  anomalies->add_option("--limit", limit, "at most this many, newest first (default 50)")
    ->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);

  try {
    prescient::client_options opts;
    opts.address = address;
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    opts.token = token;
    prescient::client c(opts);
    nlohmann::json j;
    if (status->parsed()) {
      auto s = c.status();
      json ? void(j = prescient::ctl::to_json(s)) : prescient::ctl::print(std::cout, s);
    } else if (user->parsed()) {
      auto s = c.user(tenant, user_id);
      json ? void(j = prescient::ctl::to_json(s)) : prescient::ctl::print(std::cout, s);
    } else if (forecast->parsed()) {
      auto f = c.forecast(dc, horizon);
      json ? void(j = prescient::ctl::to_json(f)) : prescient::ctl::print(std::cout, f);
    } else if (anomalies->parsed()) {
      auto a = c.anomalies(limit);
      json ? void(j = prescient::ctl::to_json(a)) : prescient::ctl::print(std::cout, a);
    } else if (kpis->parsed()) {
      auto k = c.node_kpis();
      json ? void(j = prescient::ctl::to_json(k)) : prescient::ctl::print(std::cout, k);
    }
    if (json)
      std::cout << j.dump(2) << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "prescientctl: " << address << ": " << e.what() << '\n';
    return 1;
  }
}
