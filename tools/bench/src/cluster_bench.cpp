#include "cluster_bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
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

/// The load's client timeout across kills: a request without an answer by
/// then is unanswered.
constexpr auto load_timeout = std::chrono::seconds(6);

client_options options_for(const std::string& address, const cluster_options& o) {
  client_options co;
  co.address = address;
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
        client c(options_for(nodes[i]->address(), o));
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
    clients.push_back(std::make_unique<client>(options_for(n->address(), o)));
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

/// Bounds of the waits around each kill.
constexpr auto failover_limit = std::chrono::seconds(30);
constexpr auto rejoin_limit = std::chrono::seconds(60);

/// Whether every node sees all `nodes` members up and reachable and sends
/// no shard copy; otherwise `why` says what the first node not there saw.
bool whole_and_quiet(const std::vector<std::string>& addresses, const cluster_options& o,
                     std::string& why) {
  for (size_t i = 0; i < addresses.size(); ++i) {
    auto co = options_for(addresses[i], o);
    co.timeout = std::chrono::seconds(2); // polled: a slow answer is "not yet"
    client c(co);
    try {
      auto cl = c.status().cluster;
      size_t up = 0;
      std::string seen;
      for (auto& m : cl.members) {
        up += m.state == "up" && m.reachable ? 1 : 0;
        seen += " " + m.id + ":" + m.state + (m.reachable ? "" : "/unreachable");
      }
      if (up != o.nodes || cl.copies_in_flight > 0) {
        why = "n" + std::to_string(i) + " sees" + seen + ", "
              + std::to_string(cl.copies_in_flight) + " shard copies in flight";
        return false;
      }
    } catch (const client_error& e) {
      why = "n" + std::to_string(i) + " status: " + e.what();
      return false;
    }
  }
  return true;
}

/// Waits until whole_and_quiet, at most `limit`; throws std::runtime_error
/// "<what> within <limit> s: <what the first node not there saw>".
void await_whole_and_quiet(const std::vector<std::string>& addresses, const cluster_options& o,
                           std::chrono::seconds limit, const std::string& what) {
  auto until = clock::now() + limit;
  std::string why;
  while (!whole_and_quiet(addresses, o, why)) {
    if (clock::now() > until)
      throw std::runtime_error(what + " within " + std::to_string(limit.count()) + " s: " + why);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
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
  std::vector<std::string> addresses;
  for (auto& n : nodes)
    addresses.push_back(n->address());
  await_whole_and_quiet(addresses, o, rejoin_limit, "the cluster did not form");
  return nodes;
}

/// Which nodes the load may use at this moment. A node is taken out just
/// before it is killed and put back once the cluster has taken it in again;
/// each kill starts a new incarnation, so a load thread can tell a failure
/// caused by the kill (resubmit to a survivor) from one of a node that
/// stayed alive (the figure we measure).
class live_nodes {
public:
  explicit live_nodes(size_t n) : alive_(n, true), incarnation_(n, 0) {
  }

  /// The `turn`-th live node (modulo their number) and its incarnation.
  std::pair<size_t, uint64_t> pick(size_t turn) const {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<size_t> up;
    for (size_t i = 0; i < alive_.size(); ++i)
      if (alive_[i])
        up.push_back(i);
    auto i = up[turn % up.size()]; // a majority is always alive
    return {i, incarnation_[i]};
  }

  /// Whether node i is alive and was not killed since `incarnation`.
  bool unchanged(size_t i, uint64_t incarnation) const {
    std::lock_guard<std::mutex> guard{mtx_};
    return alive_[i] && incarnation_[i] == incarnation;
  }

  void take_out(size_t i) {
    std::lock_guard<std::mutex> guard{mtx_};
    alive_[i] = false;
    ++incarnation_[i];
  }

  void put_back(size_t i) {
    std::lock_guard<std::mutex> guard{mtx_};
    alive_[i] = true;
  }

private:
  mutable std::mutex mtx_;
  std::vector<bool> alive_;
  std::vector<uint64_t> incarnation_;
};

/// One load thread's connections, one per node, made again for a node's new
/// incarnation: a client of a killed node would keep re-sending to its port.
class node_clients {
public:
  node_clients(std::vector<std::string> addresses, const cluster_options& o)
    : addresses_(std::move(addresses)), o_(o), slots_(addresses_.size()) {
  }

  client& at(size_t i, uint64_t incarnation) {
    auto& [inc, c] = slots_[i];
    if (!c || inc != incarnation) {
      c.reset();
      auto co = options_for(addresses_[i], o_);
      co.timeout = load_timeout;
      c = std::make_unique<client>(co);
      inc = incarnation;
    }
    return *c;
  }

private:
  std::vector<std::string> addresses_;
  const cluster_options& o_;
  std::vector<std::pair<uint64_t, std::unique_ptr<client>>> slots_;
};

enum class outcome { answered, failed, unanswered };

/// Sends one logical request (`attempt` on a node's client) until a node
/// that stayed alive throughout answers it. An attempt that failed on a node
/// killed meanwhile is resubmitted to a survivor: it was never acknowledged,
/// so it is neither lost nor unanswered. Bounded: each retry needs a kill.
template <class Attempt>
outcome send(const live_nodes& live, node_clients& clients, size_t& turn, Attempt&& attempt) {
  for (;;) {
    auto [i, incarnation] = live.pick(turn++);
    try {
      attempt(clients.at(i, incarnation));
      return outcome::answered;
    } catch (const client_error& e) {
      if (!live.unchanged(i, incarnation))
        continue;
      return e.kind() == client_error::code::rejected ? outcome::failed
                                                       : outcome::unanswered;
    }
  }
}

/// Events acknowledged, by user.
class acked_events {
public:
  void add(const std::vector<usage_event>& batch) {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& e : batch)
      ++by_user_[e.user];
  }

  struct reading {
    uint64_t acked = 0;
    uint64_t lost = 0;
    std::vector<std::string> examples; ///< "<user>: <acked> acked, <stored> stored", 5 at most
  };

  /// Every user read back through `reader`: lost = acknowledged but not
  /// stored (a user's events may be stored more than once: a batch whose
  /// acknowledgement was lost is re-sent).
  reading read_back(client& reader) const {
    std::lock_guard<std::mutex> guard{mtx_};
    reading r;
    for (auto& [user, n] : by_user_) {
      r.acked += n;
      auto stored = reader.user("demo", user).events;
      if (stored >= n)
        continue;
      r.lost += n - stored;
      if (r.examples.size() < 5)
        r.examples.push_back(user + ": " + std::to_string(n) + " acked, "
                             + std::to_string(stored) + " stored");
    }
    return r;
  }

private:
  mutable std::mutex mtx_;
  std::map<std::string, uint64_t> by_user_;
};

/// One heartbeat event each of `users` users "<prefix>0".., a minute old.
std::vector<usage_event> event_batch(const std::string& prefix, int users, int seq) {
  std::vector<usage_event> batch;
  for (int u = 0; u < users; ++u) {
    usage_event e;
    e.tenant = "demo";
    e.user = prefix + std::to_string(u);
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
  return batch;
}

/// SIGKILL of `victims`; returns the time until a survivor shows them
/// down, owning no shard, and takes a write to 20 users (some on their
/// shards) and a request again; -1 when not within failover_limit.
double kill_and_fail_over(nodes_t& nodes, const std::vector<std::string>& addresses,
                          live_nodes& live, const std::vector<size_t>& victims,
                          acked_events& acked, const cluster_options& o, size_t cycle) {
  for (auto v : victims)
    live.take_out(v);
  auto killed_at = clock::now();
  for (auto v : victims)
    nodes[v]->kill();
  auto co = options_for(addresses[live.pick(cycle).first], o);
  co.timeout = load_timeout;
  client watch(co);
  bool declared = false;
  while (clock::now() - killed_at < failover_limit) {
    try {
      if (!declared) {
        size_t down = 0, dead_owning = 0;
        for (auto& m : watch.status().cluster.members)
          for (auto v : victims)
            if (m.id == "n" + std::to_string(v)) {
              down += m.state == "down" ? 1 : 0;
              dead_owning += m.shards_owned;
            }
        declared = down == victims.size() && dead_owning == 0;
      }
      if (declared) {
        auto batch = event_batch("failover-" + std::to_string(cycle) + "-", 20, 0);
        watch.submit(batch);
        watch.flush();
        acked.add(batch);
        auto r = make_request(cycle);
        watch.release(r.tenant, r.user, watch.request(r));
        return std::chrono::duration<double>(clock::now() - killed_at).count();
      }
    } catch (const client_error&) {
      // not yet: the survivors are still taking the shards over
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

/// Restarts `victims` on their data directories (new incarnations), waits
/// until the cluster is whole and quiet and gives them back to the load;
/// returns the seconds that took. Throws std::runtime_error when a node
/// does not come back within the bounds.
double restart_and_rejoin(nodes_t& nodes, const std::vector<std::string>& addresses,
                          live_nodes& live, const std::vector<size_t>& victims,
                          const cluster_options& o) {
  auto start = clock::now();
  for (auto v : victims)
    nodes[v]->restart(); // waits until it serves, or throws with its log
  await_whole_and_quiet(addresses, o, rejoin_limit,
                        "the cluster was not whole and quiet after the restart");
  for (auto v : victims)
    live.put_back(v);
  return std::chrono::duration<double>(clock::now() - start).count();
}

/// `cycles` kill cycles (kill_and_fail_over, restart_and_rejoin) of `kill`
/// random nodes each, while a writer and a requester per node that is never
/// short load whichever nodes are alive; then every acknowledged event is
/// looked for.
nlohmann::json kill_phase(nodes_t& nodes, const cluster_options& o) {
  std::vector<std::string> addresses;
  for (auto& n : nodes)
    addresses.push_back(n->address()); // a restart keeps the port
  live_nodes live(nodes.size());
  acked_events acked;
  std::atomic<uint64_t> requests{0}, unanswered{0}, failed_batches{0}, failed_requests{0};
  auto count = [&](outcome r, std::atomic<uint64_t>& failed) {
    if (r == outcome::failed)
      ++failed; // answered with an error: not acknowledged
    else if (r == outcome::unanswered)
      ++unanswered;
  };
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < nodes.size() - o.kill; ++w) {
    threads.emplace_back([&, w] { // a writer
      node_clients clients(addresses, o);
      size_t turn = w;
      for (int seq = 0; !stop; ++seq) {
        auto batch = event_batch("k" + std::to_string(w) + "-", 20, seq);
        ++requests;
        auto r = send(live, clients, turn, [&](client& c) {
          c.submit(batch);
          c.flush();
        });
        if (r == outcome::answered)
          acked.add(batch);
        count(r, failed_batches);
      }
    });
    threads.emplace_back([&, w] { // a requester
      node_clients clients(addresses, o);
      size_t turn = w;
      for (size_t n = 0; !stop; ++n) {
        ++requests;
        auto r = make_request(n);
        count(send(live, clients, turn,
                   [&](client& c) { c.release(r.tenant, r.user, c.request(r)); }),
              failed_requests);
      }
    });
  }
  std::mt19937_64 rng(o.kill_seed);
  std::vector<double> failovers; // seconds, one per cycle that failed over
  std::string error;              // why the cycles stopped early
  bool missed_failover = false;
  auto load = std::chrono::duration<double>(o.kill_load_s);
  size_t cycles = 0; // completed: failed over and whole again
  while (cycles < o.cycles && error.empty()) {
    std::this_thread::sleep_for(load);
    std::vector<size_t> victims(nodes.size());
    std::iota(victims.begin(), victims.end(), size_t{0});
    std::shuffle(victims.begin(), victims.end(), rng);
    victims.resize(o.kill);
    auto name = "cycle " + std::to_string(cycles + 1) + ": ";
    try {
      auto failover_s = kill_and_fail_over(nodes, addresses, live, victims, acked, o, cycles);
      if (failover_s < 0)
        missed_failover = true;
      else
        failovers.push_back(failover_s);
      // Restarted either way: the last read needs the whole cluster.
      auto rejoin_s = restart_and_rejoin(nodes, addresses, live, victims, o);
      if (o.progress) {
        std::cerr << name << "SIGKILL";
        for (auto v : victims)
          std::cerr << " n" << v;
        std::cerr << ", failover " << failover_s << " s, restarted and whole again in "
                  << rejoin_s << " s\n";
      }
      if (missed_failover)
        error = name + "no failover within " + std::to_string(failover_limit.count()) + " s";
      else
        ++cycles;
    } catch (const std::exception& e) {
      error = name + e.what();
    }
  }
  std::this_thread::sleep_for(load);
  stop = true;
  for (auto& t : threads)
    t.join();
  client reader(options_for(addresses[live.pick(0).first], o));
  auto read = acked.read_back(reader);
  nlohmann::json out{{"acked", read.acked},
                     {"lost", read.lost},
                     {"requests", requests.load()},
                     {"unanswered", unanswered.load()},
                     {"failed_batches", failed_batches.load()},
                     {"failed_requests", failed_requests.load()},
                     {"cycles", cycles},
                     // the worst case; -1 when a cycle saw no failover at all
                     {"failover_s",
                      failovers.empty() || missed_failover
                        ? -1.0
                        : *std::max_element(failovers.begin(), failovers.end())},
                     {"failover_s_p50",
                      failovers.empty() ? -1.0 : workload::percentile(failovers, 0.5)},
                     {"seed", o.kill_seed}};
  if (!read.examples.empty())
    out["lost_users"] = read.examples; // where to look
  if (!error.empty())
    out["error"] = error;
  return out;
}

} // namespace

nlohmann::json run_cluster(const cluster_options& o) {
  if (o.nodes < 2 || o.kill * 2 >= o.nodes)
    throw std::runtime_error("--kill must leave a majority of --nodes alive");
  nlohmann::json out;
  out["nodes"] = o.nodes;
  out["replicas"] = 2;
  out["kill"] = o.kill;
  std::vector<usage_event> events;
  if (o.throughput) {
    events = make_events(o.users, 1, o.events, o.seed);
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
  }
  auto nodes = start_cluster(o, o.work_dir + "/cluster");
  if (o.throughput) {
    out["cluster_events_per_s"] = ingest_rate(nodes, events, o);
    auto [p50, p99] = request_latency(nodes, o);
    out["cluster_request_p50_us"] = p50;
    out["cluster_request_p99_us"] = p99;
    out["cluster_vs_single"] = out["cluster_events_per_s"].get<double>()
                               / out["single_events_per_s"].get<double>();
  }
  if (o.kill > 0) {
    if (o.progress)
      std::cerr << o.cycles << " cycle(s) of SIGKILL of " << o.kill
                << " random node(s) under load, then a restart; seed " << o.kill_seed << '\n';
    auto killed = kill_phase(nodes, o); // items() must not outlive it
    for (auto& [k, v] : killed.items())
      out[k] = v;
  }
  return out;
}

} // namespace prescient::bench
