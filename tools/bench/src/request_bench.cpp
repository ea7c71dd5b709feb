#include "request_bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <numeric>
#include <thread>

#include "bare_rpc.hpp"
#include "prescient/client.hpp"
#include "prescient/testkit/node_process.hpp"
#include "prescient/workload/percentile.hpp"

namespace prescient::bench {

namespace {

using workload::percentile;

int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

resource_request make_request(size_t n, size_t users) {
  static const char* apps[] = {"ide", "browser", "terminal", "notebook"};
  auto user = "bench-user-" + std::to_string(n % users);
  return {"demo", user, user + "-pc", apps[n % 4], "eu-west", wall_now_us(),
          {500, 1024, 0, 0, 0}};
}

// One thread's share: `count` requests, each released at once so capacity
// never runs out; only request() is timed.
void drive(client& c, size_t first, size_t count, size_t users,
           std::vector<double>* latencies_us) {
  for (size_t i = first; i < first + count; ++i) {
    auto r = make_request(i, users);
    auto start = std::chrono::steady_clock::now();
    auto g = c.request(r);
    auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now()
                                                        - start)
                .count();
    if (latencies_us)
      latencies_us->push_back(us);
    c.release(r.tenant, r.user, g);
  }
}

} // namespace

nlohmann::json run_request(const request_options& opts) {
  // The bare floor first, while the machine is quiet of our node.
  if (opts.progress)
    std::cerr << "bare Cap'n Proto RPC: " << opts.bare_calls << " round trips\n";
  auto bare = bare_rpc_round_trips(opts.bare_calls, std::min<size_t>(opts.bare_calls, 500));

  auto config = testkit::write_config(opts.work_dir);
  testkit::node_process node(
    testkit::node_process::options{opts.prescientd, config, opts.work_dir + "/data"});
  client_options co;
  co.address = node.address();
  client c(co);
  if (opts.progress)
    std::cerr << "node on " << node.address() << ": " << opts.warmup << " warm-up, "
              << opts.requests << " measured requests, " << opts.concurrency
              << " thread(s)\n";
  drive(c, 0, opts.warmup, opts.users, nullptr);

  std::vector<std::vector<double>> per_thread(opts.concurrency);
  std::vector<std::thread> threads;
  std::mutex failure_mtx;
  std::string failure;
  auto share = opts.requests / opts.concurrency;
  auto start = std::chrono::steady_clock::now();
  for (size_t t = 0; t < opts.concurrency; ++t) {
    auto count = t + 1 == opts.concurrency ? opts.requests - share * t : share;
    threads.emplace_back([&, t, count] {
      try {
        drive(c, opts.warmup + t * share, count, opts.users, &per_thread[t]);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> guard{failure_mtx};
        failure = e.what();
      }
    });
  }
  for (auto& th : threads)
    th.join();
  auto seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!failure.empty())
    throw std::runtime_error("request failed: " + failure);
  std::vector<double> lat;
  for (auto& v : per_thread)
    lat.insert(lat.end(), v.begin(), v.end());
  auto k = c.node_kpis();
  node.terminate();

  double mean = std::accumulate(lat.begin(), lat.end(), 0.0) / double(lat.size());
  return {{"p50_us", percentile(lat, 0.50)},
          {"p99_us", percentile(lat, 0.99)},
          {"mean_us", mean},
          {"max_us", *std::max_element(lat.begin(), lat.end())},
          {"requests_per_s", double(lat.size()) / seconds},
          {"bare_rpc_p50_us", percentile(bare, 0.50)},
          {"bare_rpc_p99_us", percentile(bare, 0.99)},
          {"node_decision_p50_us", k.decision_latency_p50_us},
          {"node_decision_p99_us", k.decision_latency_p99_us},
          {"requests", lat.size()},
          {"concurrency", opts.concurrency},
          {"bare_rpc_calls", bare.size()}};
}

} // namespace prescient::bench
