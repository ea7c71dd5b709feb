// The durability promise: an event acknowledged to the client survives a
// SIGKILL of the node. Writers run while the node is killed and restarted;
// afterwards the node's database must hold every acknowledged event.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "fixture.hpp"
#include "prescient/storage/db.hpp"

using namespace prescient;

namespace {

struct acked_log {
  std::mutex mtx;
  std::map<std::string, std::set<int64_t>> times; // user → acked event times
  std::atomic<size_t> count{0};
  std::atomic<size_t> failed_batches{0};
};

void writer(const client_options& opts, int id, std::atomic<bool>& stop,
            acked_log& log) {
  client c(opts);
  int seq = 0;
  while (!stop && seq < 3'000) {
    std::vector<usage_event> batch;
    for (int k = 0; k < 20; ++k, ++seq)
      for (int u = 0; u < 10; ++u)
        batch.push_back(it::make_event("w" + std::to_string(id) + "-u" + std::to_string(u),
                                       seq));
    try {
      c.submit(batch);
      c.flush();
    } catch (const client_error&) {
      ++log.failed_batches; // not acknowledged: may or may not be stored
      continue;
    }
    std::lock_guard<std::mutex> guard{log.mtx};
    for (auto& e : batch)
      log.times[e.user].insert(e.time_us);
    log.count += batch.size();
  }
}

} // namespace

TEST_CASE("every acknowledged event survives SIGKILL of the node", "[integration][crash]") {
  it::node_fixture f;
  auto opts = f.client_opts();
  opts.timeout = std::chrono::seconds(15); // long enough to ride out the restart
  acked_log log;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w)
    writers.emplace_back(writer, opts, w, std::ref(stop), std::ref(log));

  for (int cycle = 0; cycle < 5; ++cycle) {
    auto target = log.count.load() + 8'000;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (log.count < target && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(log.count >= target);
    f.node->kill(); // SIGKILL mid-stream
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    f.node->restart();
  }
  auto until = log.count.load() + 5'000;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (log.count < until && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& t : writers)
    t.join();
  REQUIRE(f.node->terminate() == 0);

  auto db = storage::db::open(storage::db_options{f.dir + "/data/db"});
  REQUIRE(db);
  size_t checked = 0, missing = 0;
  for (auto& [user, times] : log.times) {
    auto events = (*db)->series().range("demo", user, 0, std::numeric_limits<int64_t>::max());
    REQUIRE(events);
    std::set<int64_t> stored;
    for (auto& e : *events)
      stored.insert(e.time_us);
    for (auto t : times) {
      ++checked;
      missing += stored.count(t) == 0 ? 1 : 0;
    }
  }
  INFO(checked << " acknowledged events checked, " << log.failed_batches
               << " batches failed during the kills");
  CHECK(checked == log.count);
  CHECK(missing == 0);
}
