#include "cluster_bench.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "ingest_bench.hpp"
#include "prescient/actors/ring.hpp"
#include "prescient/client.hpp"
#include "prescient/testkit/cluster_config.hpp"
#include "prescient/testkit/node_process.hpp"
#include "prescient/workload/percentile.hpp"

namespace prescient::bench {

namespace {

using clock = std::chrono::steady_clock;
using nodes_t = std::vector<std::unique_ptr<testkit::node_process>>;

client_options options_for(const testkit::node_process& n, const cluster_options& o) {
  client_options co;
  co.address = n.address();
  co.batch_size = o.batch;
  co.max_in_flight = o.in_flight;
  co.timeout = std::chrono::seconds(10);
  return co;
}

/// Events per second with the events spread over the nodes by user (one
/// client per node, each user's events in order).
double ingest_rate(const nodes_t& nodes, const std::vector<usage_event>& events,
                   const cluster_options& o) {
  std::vector<std::vector<usage_event>> parts(nodes.size());
  for (auto& e : events)
    parts[user_hash(e.tenant, e.user) % nodes.size()].push_back(e);
  std::vector<std::thread> threads;
  std::mutex mtx;
  std::string failure;
  auto start = clock::now();
  for (size_t i = 0; i < nodes.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        client c(options_for(*nodes[i], o));
        c.submit(std::move(parts[i]));
        c.flush();
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> guard{mtx};
        failure = e.what();
      }
    });
  for (auto& t : threads)
    t.join();
  if (!failure.empty())
    throw std::runtime_error("ingest failed: " + failure);
  return double(events.size()) / std::chrono::duration<double>(clock::now() - start).count();
}

resource_request make_request(size_t n) {
  static const char* apps[] = {"ide", "browser", "terminal", "notebook"};
  auto user = "bench-user-" + std::to_string(n % 200);
  return {"demo", user, user + "-pc", apps[n % 4], "eu-west",
          std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count(),
          {500, 1024, 0, 0, 0}};
}

/// request() latency in µs (p50, p99), round robin over the nodes.
std::pair<double, double> request_latency(const nodes_t& nodes, const cluster_options& o) {
  std::vector<std::unique_ptr<client>> clients;
  for (auto& n : nodes)
    clients.push_back(std::make_unique<client>(options_for(*n, o)));
  std::vector<double> us;
  for (size_t i = 0; i < o.requests + 100; ++i) {
    auto& c = *clients[i % clients.size()];
    auto r = make_request(i);
    auto start = clock::now();
    auto g = c.request(r);
    if (i >= 100) // the first ones connect
      us.push_back(std::chrono::duration<double, std::micro>(clock::now() - start).count());
    c.release(r.tenant, r.user, g);
  }
  return {workload::percentile(us, 0.5), workload::percentile(us, 0.99)};
}

nodes_t start_cluster(const cluster_options& o, const std::string& dir) {
  nodes_t nodes;
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < o.nodes; ++i)
    ports.push_back(testkit::free_port());
  for (size_t i = 0; i < o.nodes; ++i) {
    testkit::cluster_node_spec spec;
    spec.id = "n" + std::to_string(i);
    spec.cluster_port = ports[i];
    spec.seeds = {ports[0]};
    spec.expected_nodes = static_cast<uint32_t>(o.nodes);
    spec.cluster_extra = "heartbeat_interval = \"100ms\"\nconnection_timeout = \"3s\"\n";
    spec.extra = "[learned]\nenabled = false\n";
    spec.node_extra = o.node_extra;
    auto node_dir = dir + "/n" + std::to_string(i);
    std::filesystem::create_directories(node_dir);
    auto config = testkit::write_cluster_config(node_dir, spec);
    nodes.push_back(std::make_unique<testkit::node_process>(
      testkit::node_process::options{o.prescientd, config, node_dir + "/data"}));
  }
  // Bounded: every node sees every member up.
  auto until = clock::now() + std::chrono::seconds(60);
  for (auto& n : nodes) {
    client c(options_for(*n, o));
    for (;;) {
      size_t up = 0;
      try {
        for (auto& m : c.status().cluster.members)
          up += m.state == "up" && m.reachable ? 1 : 0;
      } catch (const client_error&) {
      }
      if (up == o.nodes)
        break;
      if (clock::now() > until)
        throw std::runtime_error("the cluster did not form within 60 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return nodes;
}

/// SIGKILL of the last `kill` nodes while writers and requesters load the
/// others; then every acknowledged event is looked for.
nlohmann::json kill_phase(nodes_t& nodes, const cluster_options& o) {
  auto survivors = nodes.size() - o.kill;
  std::mutex mtx;
  std::map<std::string, uint64_t> acked; // user -> events acknowledged
  std::atomic<uint64_t> requests{0}, unanswered{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < survivors; ++i) {
    threads.emplace_back([&, i] { // a writer
      auto co = options_for(*nodes[i], o);
      co.timeout = std::chrono::seconds(6);
      client c(co);
      for (int seq = 0; !stop; ++seq) {
        std::vector<usage_event> batch;
        for (int u = 0; u < 20; ++u) {
          usage_event e;
          e.tenant = "demo";
          e.user = "k" + std::to_string(i) + "-" + std::to_string(u);
          e.device = e.user + "-pc";
          e.app = seq % 2 ? "ide" : "browser";
          e.kind = event_kind::heartbeat;
          e.time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count()
                      - 60'000'000 + u;
          e.usage = {500, 1024, 0, 0, 0};
          batch.push_back(std::move(e));
        }
        ++requests;
        try {
          c.submit(batch);
          c.flush();
        } catch (const client_error& e) {
          if (e.kind() == client_error::code::timeout
              || e.kind() == client_error::code::disconnected)
            ++unanswered;
          else
            ++failed; // answered with an error: not acknowledged
          continue;
        }
        std::lock_guard<std::mutex> guard{mtx};
        for (auto& e : batch)
          ++acked[e.user];
      }
    });
    threads.emplace_back([&, i] { // a requester
      auto co = options_for(*nodes[i], o);
      co.timeout = std::chrono::seconds(6);
      client c(co);
      for (size_t n = 0; !stop; ++n) {
        ++requests;
        try {
          auto r = make_request(n);
          auto g = c.request(r);
          c.release(r.tenant, r.user, g);
        } catch (const client_error& e) {
          if (e.kind() == client_error::code::timeout
              || e.kind() == client_error::code::disconnected)
            ++unanswered;
        }
      }
    });
  }
  auto load = std::chrono::duration<double>(o.kill_load_s);
  std::this_thread::sleep_for(load);
  auto killed_at = clock::now();
  for (size_t i = survivors; i < nodes.size(); ++i)
    nodes[i]->kill();
  double failover_s = -1;
  client watch(options_for(*nodes[0], o));
  while (clock::now() - killed_at < std::chrono::seconds(30)) {
    size_t down = 0, dead_owning = 0;
    try {
      for (auto& m : watch.status().cluster.members)
        for (size_t i = survivors; i < nodes.size(); ++i)
          if (m.id == "n" + std::to_string(i)) {
            down += m.state == "down" ? 1 : 0;
            dead_owning += m.shards_owned;
          }
    } catch (const client_error&) {
    }
    if (down == o.kill && dead_owning == 0) {
      failover_s = std::chrono::duration<double>(clock::now() - killed_at).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(load);
  stop = true;
  for (auto& t : threads)
    t.join();
  uint64_t total = 0, lost = 0;
  client reader(options_for(*nodes[0], o));
  for (auto& [user, n] : acked) {
    total += n;
    auto stored = reader.user("demo", user).events;
    lost += stored < n ? n - stored : 0;
  }
  return {{"acked", total},          {"lost", lost},
          {"requests", requests.load()}, {"unanswered", unanswered.load()},
          {"failed_batches", failed.load()}, {"failover_s", failover_s}};
}

} // namespace

nlohmann::json run_cluster(const cluster_options& o) {
  if (o.nodes < 2 || o.kill * 2 >= o.nodes)
    throw std::runtime_error("--kill must leave a majority of --nodes alive");
  auto events = make_events(o.users, 1, o.events, o.seed);
  nlohmann::json out;
  out["nodes"] = o.nodes;
  out["replicas"] = 2;
  out["kill"] = o.kill;
  out["events"] = events.size();
  {
    if (o.progress)
      std::cerr << "one standalone node: " << events.size() << " events, " << o.requests
                << " requests\n";
    auto dir = o.work_dir + "/single";
    std::filesystem::create_directories(dir);
    auto config = testkit::write_config(dir, "[learned]\nenabled = false\n");
    nodes_t one;
    one.push_back(std::make_unique<testkit::node_process>(
      testkit::node_process::options{o.prescientd, config, dir + "/data"}));
    out["single_events_per_s"] = ingest_rate(one, events, o);
    auto [p50, p99] = request_latency(one, o);
    out["single_request_p50_us"] = p50;
    out["single_request_p99_us"] = p99;
  }
  if (o.progress)
    std::cerr << o.nodes << " local nodes, R = 2: the same\n";
  auto nodes = start_cluster(o, o.work_dir + "/cluster");
  out["cluster_events_per_s"] = ingest_rate(nodes, events, o);
  auto [p50, p99] = request_latency(nodes, o);
  out["cluster_request_p50_us"] = p50;
  out["cluster_request_p99_us"] = p99;
  out["cluster_vs_single"] = out["cluster_events_per_s"].get<double>()
                             / out["single_events_per_s"].get<double>();
  if (o.kill > 0) {
    if (o.progress)
      std::cerr << "SIGKILL of " << o.kill << " node(s) under load\n";
    auto killed = kill_phase(nodes, o); // items() must not outlive it
    for (auto& [k, v] : killed.items())
      out[k] = v;
  }
  return out;
}

} // namespace prescient::bench
