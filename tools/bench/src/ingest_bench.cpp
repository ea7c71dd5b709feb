#include "ingest_bench.hpp"

#include <chrono>
#include <iostream>
#include <stdexcept>

#include "prescient/client.hpp"
#include "prescient/storage/db.hpp"
#include "prescient/testkit/node_process.hpp"
#include "prescient/workload/synthetic.hpp"
#include "profile_memory.hpp"
#include "raw_rocksdb.hpp"

namespace prescient::bench {

namespace {

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point t) {
  return std::chrono::duration<double>(steady::now() - t).count();
}

void note(bool on, const std::string& what) {
  if (on)
    std::cerr << "prescient-bench: " << what << std::endl;
}

} // namespace

std::vector<usage_event> make_events(size_t users, double days, size_t max_events,
                                     uint64_t seed) {
  workload::workload_options wo;
  wo.seed = seed;
  wo.users = users;
  wo.duration_us = static_cast<int64_t>(days * 86'400e6);
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  // End a minute ago: every event is inside the node's accepted window.
  wo.start_us = now - wo.duration_us - 60'000'000;
  workload::synthetic_workload gen(wo);
  std::vector<usage_event> out;
  out.reserve(std::min<size_t>(max_events, 4'000'000));
  usage_event e;
  while (out.size() < max_events && gen.next(e))
    out.push_back(e);
  return out;
}

nlohmann::json run_ingest(const ingest_options& opts) {
  auto events = make_events(opts.users, opts.days, opts.max_events, opts.seed);
  if (events.empty())
    throw std::runtime_error("the workload produced no events");
  note(opts.progress, std::to_string(events.size()) + " events of "
                        + std::to_string(opts.users) + " users generated");

  // 1. Through the client library into a real prescientd.
  auto node_dir = opts.work_dir + "/node";
  auto config = testkit::write_config(opts.work_dir);
  double events_per_s = 0;
  {
    testkit::node_process node({opts.prescientd, config, node_dir});
    client_options co;
    co.address = node.address();
    co.batch_size = opts.batch;
    co.max_in_flight = opts.in_flight;
    co.timeout = std::chrono::seconds(60);
    client c(co);
    auto start = steady::now();
    c.submit(events);
    c.flush();
    auto secs = seconds_since(start);
    if (c.acknowledged() != events.size())
      throw std::runtime_error("node acknowledged " + std::to_string(c.acknowledged())
                               + " of " + std::to_string(events.size()) + " events");
    events_per_s = double(events.size()) / secs;
    note(opts.progress, "node: " + std::to_string(long(events_per_s)) + " events/s");
    if (node.terminate() != 0)
      throw std::runtime_error("prescientd did not stop cleanly: " + node.log());
  }

  // 2. Bytes per event: the node's whole database after a full compaction.
  double bytes_per_event = 0;
  double series_bytes_per_event = 0;
  {
    storage::db_options dbo;
    dbo.path = node_dir + "/db";
    auto db = storage::db::open(dbo);
    if (!db)
      throw std::runtime_error("cannot reopen the node's database");
    if (auto err = (*db)->compact_all())
      throw std::runtime_error("compaction failed");
    bytes_per_event = double((*db)->live_bytes()) / double(events.size());
    series_bytes_per_event = double((*db)->series_bytes()) / double(events.size());
  }

  // 3. The baseline on the same disk, same events, same batch size.
  auto raw = raw_rocksdb_writes(opts.work_dir + "/raw", events, opts.batch);
  note(opts.progress, "raw RocksDB: " + std::to_string(long(raw.events_per_s))
                        + " events/s");

  // 4. Memory per resident profile on the real shard actors.
  auto mem = measure_profile_memory(opts.self_exe, opts.work_dir + "/profiles",
                                    opts.profile_users,
                                    opts.seed);

  nlohmann::json out;
  out["events"] = events.size();
  out["users"] = opts.users;
  out["batch"] = opts.batch;
  out["events_per_s"] = events_per_s;
  out["rocksdb_raw_per_s"] = raw.events_per_s;
  out["ratio"] = events_per_s / raw.events_per_s;
  out["bytes_per_event"] = bytes_per_event;
  out["series_bytes_per_event"] = series_bytes_per_event;
  out["raw_bytes_per_event"] = raw.bytes_per_event;
  out["rss_bytes_per_profile"] = mem.rss_bytes_per_profile;
  out["heap_bytes_per_profile"] = mem.heap_bytes_per_profile;
  out["profiles_measured"] = mem.profiles;
  return out;
}

} // namespace prescient::bench
