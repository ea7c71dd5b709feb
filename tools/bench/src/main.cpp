// prescient-bench: benchmarks that print our figures beside a baseline
// measured in the same run.
//   prescient-bench ingest [--json] [--users N] [--days D] [--events N] ...
//   prescient-bench request [--json] [--requests N] [--concurrency C] ...
//   prescient-bench cluster [--json] [--nodes N] [--kill K] [--cycles C] ...
//   prescient-bench claim [--json] [--claims N] [--app PATH] [--steps S] ...
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cluster_bench.hpp"
#include "claim_bench.hpp"
#include "ingest_bench.hpp"
#include "profile_memory.hpp"
#include "request_bench.hpp"
#include "prescient/node/node.hpp"
#include "prescient/testkit/node_process.hpp"

namespace {

std::string sibling_binary(const char* name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / name).string();
}

void print_table(const nlohmann::json& r) {
  auto row = [](const char* what, const std::string& ours, const std::string& base) {
    std::cout << std::left << std::setw(34) << what << std::right << std::setw(16)
              << ours << std::setw(16) << base << '\n';
  };
  auto num = [](double v, int digits) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(digits) << v;
    return os.str();
  };
  std::cout << r["events"].get<size_t>() << " synthetic events of "
            << r["users"].get<size_t>() << " users, batches of "
            << r["batch"].get<size_t>() << "\n\n";
  row("", "prescient", "raw RocksDB");
  row("events/s", num(r["events_per_s"], 0), num(r["rocksdb_raw_per_s"], 0));
  row("bytes stored per event", num(r["bytes_per_event"], 2),
      num(r["raw_bytes_per_event"], 2));
  std::cout << '\n'
            << "ratio (prescient / raw)            " << num(r["ratio"], 3) << '\n'
            << "resident bytes per active profile  "
            << num(r["rss_bytes_per_profile"], 0) << " (heap "
            << num(r["heap_bytes_per_profile"], 0) << ", "
            << r["profiles_measured"].get<size_t>() << " profiles)\n";
}

void print_request_table(const nlohmann::json& r) {
  std::cout << r["requests"].get<size_t>() << " requests through the client library ("
            << r["concurrency"].get<size_t>() << " thread(s)), "
            << r["bare_rpc_calls"].get<size_t>() << " bare Cap'n Proto round trips\n\n"
            << std::left << std::setw(34) << "" << std::right << std::setw(12) << "p50 µs"
            << std::setw(12) << "p99 µs" << '\n';
  auto row = [&](const char* what, const char* p50, const char* p99) {
    std::cout << std::left << std::setw(34) << what << std::right << std::fixed
              << std::setprecision(1) << std::setw(12) << r[p50].get<double>()
              << std::setw(12) << r[p99].get<double>() << '\n';
  };
  row("request() via the client library", "p50_us", "p99_us");
  row("bare Cap'n Proto RPC round trip", "bare_rpc_p50_us", "bare_rpc_p99_us");
  row("decision inside the node (KPIs)", "node_decision_p50_us", "node_decision_p99_us");
  std::cout << "\nrequests/s " << std::setprecision(0) << r["requests_per_s"].get<double>()
            << '\n';
}

void print_cluster_table(const nlohmann::json& r) {
  if (r.contains("cluster_events_per_s"))
    std::cout << std::fixed << std::setprecision(0) << r["events"].get<size_t>()
              << " synthetic events, replicas 2\n\n"
              << std::left << std::setw(30) << "" << std::right << std::setw(14) << "1 node"
              << std::setw(14) << (std::to_string(r["nodes"].get<size_t>()) + " nodes") << '\n'
              << std::left << std::setw(30) << "ingest events/s" << std::right << std::setw(14)
              << r["single_events_per_s"].get<double>() << std::setw(14)
              << r["cluster_events_per_s"].get<double>() << '\n'
              << std::left << std::setw(30) << "request p50 / p99 us" << std::right
              << std::setw(14)
              << (std::to_string(int(r["single_request_p50_us"].get<double>())) + " / "
                  + std::to_string(int(r["single_request_p99_us"].get<double>())))
              << std::setw(14)
              << (std::to_string(int(r["cluster_request_p50_us"].get<double>())) + " / "
                  + std::to_string(int(r["cluster_request_p99_us"].get<double>())))
              << "\n" << std::setprecision(2) << "cluster / single ingest: "
              << r["cluster_vs_single"].get<double>() << '\n';
  if (r.contains("acked")) {
    std::cout << std::fixed << std::setprecision(2) << '\n' << r["cycles"].get<size_t>()
              << " cycle(s) of SIGKILL of " << r["kill"].get<size_t>()
              << " random node(s) under load and restart (seed " << r["seed"].get<uint64_t>()
              << "): " << r["acked"].get<uint64_t>() << " events acked, "
              << r["lost"].get<uint64_t>() << " lost; " << r["requests"].get<uint64_t>()
              << " requests, " << r["unanswered"].get<uint64_t>() << " unanswered; failover "
              << r["failover_s"].get<double>() << " s at worst, "
              << r["failover_s_p50"].get<double>() << " s p50\n";
    if (r.contains("error"))
      std::cout << "stopped early: " << r["error"].get<std::string>() << '\n';
  }
}

void print_claim_table(const nlohmann::json& r) {
  std::cout << r["claims"].get<size_t>() << " claims per path, local processes, "
            << r["warmup_steps"].get<size_t>() << " warm-up step(s), "
            << r["warm_hits"].get<size_t>() << " warm claims got their hold's instance\n\n"
            << std::left << std::setw(34) << "" << std::right << std::setw(12) << "p50 µs"
            << std::setw(12) << "p99 µs" << std::setw(14) << "wait p50 µs" << '\n';
  auto row = [&](const char* what, const std::string& path) {
    std::cout << std::left << std::setw(34) << what << std::right << std::fixed
              << std::setprecision(1) << std::setw(12) << r[path + "_p50_us"].get<double>()
              << std::setw(12) << r[path + "_p99_us"].get<double>() << std::setw(14)
              << r[path + "_wait_p50_us"].get<double>() << '\n';
  };
  row("warm: a hold's instance", "warm");
  row("cold: spawned for the claim", "cold");
}

// A fresh work directory under ./var (the project's disk, not a tmpfs)
// unless one was given; returns whether it is ours to remove.
bool prepare_dir(std::string& dir) {
  if (!dir.empty()) {
    std::filesystem::create_directories(dir);
    return false;
  }
  std::filesystem::create_directories("var");
  setenv("TMPDIR", "var", 1);
  dir = prescient::testkit::make_temp_dir("bench");
  return true;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"prescient-bench — Prescient benchmarks"};
  app.require_subcommand(1);
  bool json = false;
  app.add_flag("--json", json, "print one JSON object instead of a table");
  app.fallthrough();
  prescient::bench::ingest_options io;
  io.prescientd = sibling_binary("prescientd");
  io.self_exe = sibling_binary("prescient-bench");
  std::string dir;
  auto* ingest = app.add_subcommand("ingest", "ingest throughput, storage, memory");
  ingest->add_option("--users", io.users, "synthetic users")->check(CLI::Range(10, 1'000'000));
  ingest->add_option("--days", io.days, "days of workload")->check(CLI::Range(0.01, 30.0));
  ingest->add_option("--events", io.max_events, "at most this many events")
    ->check(CLI::Range(1'000, 50'000'000));
  ingest->add_option("--batch", io.batch, "events per batch")->check(CLI::Range(1, 10'000));
  ingest->add_option("--in-flight", io.in_flight, "batches in flight")->check(CLI::Range(1, 256));
  ingest->add_option("--profile-users", io.profile_users, "profiles for the memory figure")
    ->check(CLI::Range(1'000, 2'000'000));
  ingest->add_option("--seed", io.seed, "workload seed");
  ingest->add_option("--dir", dir, "work directory (default: a new one under ./var)");
  ingest->add_option("--prescientd", io.prescientd, "node binary");
  // Internal: one memory sample in a fresh process (see profile_memory.hpp).
  auto* sample = app.add_subcommand("profile-sample");
  sample->group(""); // hidden from --help
  size_t sample_users = 0;
  sample->add_option("--users", sample_users)->required();
  sample->add_option("--seed", io.seed);
  sample->add_option("--dir", dir)->required();
  prescient::bench::request_options ro;
  ro.prescientd = io.prescientd;
  auto* request = app.add_subcommand("request", "grant decision latency vs bare RPC");
  request->add_option("--requests", ro.requests, "measured requests")
    ->check(CLI::Range(10, 10'000'000));
  request->add_option("--warmup", ro.warmup, "unmeasured requests first")
    ->check(CLI::Range(0, 1'000'000));
  request->add_option("--concurrency", ro.concurrency, "client threads")
    ->check(CLI::Range(1, 256));
  request->add_option("--users", ro.users, "users the requests rotate over")
    ->check(CLI::Range(1, 1'000'000));
  request->add_option("--bare-calls", ro.bare_calls, "measured bare RPC round trips")
    ->check(CLI::Range(10, 10'000'000));
  request->add_option("--dir", dir, "work directory (default: a new one under ./var)");
  request->add_option("--prescientd", ro.prescientd, "node binary");
  prescient::bench::cluster_options clo;
  clo.prescientd = io.prescientd;
  auto* cluster = app.add_subcommand("cluster", "1 vs N local nodes, then SIGKILL cycles under load");
  cluster->add_option("--nodes", clo.nodes, "cluster size")->check(CLI::Range(2, 9));
  cluster->add_option("--kill", clo.kill, "nodes SIGKILLed (fewer than half)")
    ->check(CLI::Range(0, 4));
  cluster->add_option("--events", clo.events, "events per ingest phase")
    ->check(CLI::Range(1'000, 50'000'000));
  cluster->add_option("--users", clo.users, "synthetic users")->check(CLI::Range(10, 1'000'000));
  cluster->add_option("--requests", clo.requests, "measured requests per phase")
    ->check(CLI::Range(10, 10'000'000));
  cluster->add_option("--cycles", clo.cycles,
                      "kill cycles: SIGKILL random node(s) under load, measure failover, "
                      "restart on the same data, wait until the cluster is whole")
    ->check(CLI::Range(1, 1000));
  auto* cluster_seed = cluster->add_option("--seed", clo.kill_seed,
                                           "seed of the choice of nodes to kill "
                                           "(default: random, printed as `seed`)");
  std::string phases = "all";
  cluster->add_option("--phases", phases,
                      "all: 1 vs N nodes ingest and latency, then the kill cycles; "
                      "failover: only the kill cycles")
    ->check(CLI::IsMember({"all", "failover"}));
  cluster->add_option("--load-s", clo.kill_load_s,
                      "seconds of load before each kill and after the last")
    ->check(CLI::Range(0.5, 600.0));
  size_t cluster_threads = 1; // three nodes share the cores: one thread each
  cluster->add_option("--node-threads", cluster_threads,
                      "scheduler threads of each cluster node (0 = cores; default 1)")
    ->check(CLI::Range(0, 64));
  cluster->add_option("--dir", dir, "work directory (default: a new one under ./var)");
  cluster->add_option("--prescientd", clo.prescientd, "node binary");
  prescient::bench::claim_options co;
  co.app = PROVIDER_TEST_APP;
  auto* claim = app.add_subcommand("claim", "claim latency, warm vs cold, local processes");
  claim->add_option("--claims", co.claims, "measured claims per path")
    ->check(CLI::Range(10, 100'000));
  claim->add_option("--app", co.app, "program speaking the provider's line protocol")
    ->check(CLI::ExistingFile);
  claim->add_option("--steps", co.warmup_steps, "warm-up steps of a warm instance")
    ->check(CLI::Range(0, 100));
  claim->add_option("--poll-ms", co.poll_interval_ms, "provider poll interval while starting")
    ->check(CLI::Range(1, 1000));
  claim->add_option("--dir", dir, "work directory (default: a new one under ./var)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line a script can show; --help has the rest.
    std::cerr << "prescient-bench: " << e.what() << " (see --help)\n";
    return 2;
  }

  if (cluster_threads > 0)
    clo.node_extra = "worker_threads = " + std::to_string(cluster_threads) + "\n";
  if (cluster->parsed() && clo.kill * 2 >= clo.nodes) {
    std::cerr << "prescient-bench: --kill " << clo.kill << " must leave a majority of --nodes "
              << clo.nodes << " alive (see --help)\n";
    return 2;
  }
  clo.throughput = phases == "all";
  if (cluster->parsed() && !clo.throughput && clo.kill == 0) {
    std::cerr << "prescient-bench: --phases failover needs --kill of at least 1 (see --help)\n";
    return 2;
  }
  // Random unless given, and reported, so that a failing run can be replayed.
  if (cluster_seed->count() == 0)
    clo.kill_seed = std::random_device{}();

  if (sample->parsed()) {
    // Measure profiles under the allocator settings prescientd runs with.
    prescient::node::use_single_malloc_arena();
    try {
      auto m = prescient::bench::sample_profile_memory(dir, sample_users, io.seed);
      std::cout << nlohmann::json{{"profiles", m.profiles},
                                  {"rss_bytes", m.rss_bytes_per_profile},
                                  {"heap_bytes", m.heap_bytes_per_profile}}
                     .dump()
                << '\n';
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "prescient-bench: " << e.what() << '\n';
      return 1;
    }
  }

  try {
    bool own_dir = prepare_dir(dir);
    auto work_dir = std::filesystem::absolute(dir).string();
    bool progress = !json || isatty(STDERR_FILENO);
    nlohmann::json result;
    if (request->parsed()) {
      ro.work_dir = work_dir;
      ro.progress = progress;
      result = prescient::bench::run_request(ro);
    } else if (cluster->parsed()) {
      clo.work_dir = work_dir;
      clo.progress = progress;
      result = prescient::bench::run_cluster(clo);
    } else if (claim->parsed()) {
      co.work_dir = work_dir;
      co.progress = progress;
      result = prescient::bench::run_claims(co);
    } else {
      io.work_dir = work_dir;
      io.progress = progress;
      result = prescient::bench::run_ingest(io);
    }
    if (own_dir)
      prescient::testkit::remove_tree(work_dir);
    if (json)
      std::cout << result.dump(2) << '\n';
    else if (request->parsed())
      print_request_table(result);
    else if (cluster->parsed())
      print_cluster_table(result);
    else if (claim->parsed())
      print_claim_table(result);
    else
      print_table(result);
    // The figures are printed either way; a run cut short is a failure.
    return result.contains("error") ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "prescient-bench: " << e.what() << '\n';
    return 1;
  }
}
