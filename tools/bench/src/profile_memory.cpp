#include "profile_memory.hpp"

#include <chrono>
#include <malloc.h>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "prescient/actors/admin_actor.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/actors/ring.hpp"
#include "prescient/actors/shard_actor.hpp"
#include "prescient/storage/db.hpp"
#include "prescient/workload/synthetic.hpp"

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace prescient::bench {

namespace {

struct memory_sample {
  uint64_t rss = 0;
  uint64_t heap = 0;
};

memory_sample sample() {
  malloc_trim(0); // return freed pages, so RSS shows what is really held
  auto mi = mallinfo2();
  return {process_rss_bytes(), mi.uordblks + mi.hblkhd};
}

} // namespace

profile_memory sample_profile_memory(const std::string& dir, size_t users,
                                     uint64_t seed) {
  storage::db_options dbo;
  dbo.path = dir;
  auto opened = storage::db::open(dbo);
  if (!opened)
    throw std::runtime_error("profile memory: " + describe(opened.error()));
  auto db = std::move(*opened);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  constexpr uint32_t shard_count = 8;
  std::vector<shard_actor> shards;
  for (uint32_t i = 0; i < shard_count; ++i) {
    shard_options so;
    so.id = static_cast<uint16_t>(i);
    so.checkpoint_interval = std::chrono::hours(1); // only when we ask
    so.checkpoint_bytes = uint64_t{1} << 40;
    shards.push_back(spawn_shard(sys, *db, so));
  }
  shard_ring ring(shard_count);
  caf::scoped_actor self{sys};
  auto timeout = std::chrono::seconds(60);
  auto checkpoint_all = [&] {
    for (auto& s : shards)
      self->request(s, timeout, checkpt_atom::value)
        .receive([](uint64_t) {},
                 [](caf::error& e) { throw std::runtime_error(describe(e)); });
    if (auto err = db->flush())
      throw std::runtime_error(describe(err));
  };
  // Feeds the synthetic workload's own events for one tenant, in time order,
  // until about 30 per user have gone in: profiles end up with devices,
  // apps and half-filled open chunks as in steady operation.
  auto feed = [&](const std::string& tenant) {
    workload::workload_options wo;
    wo.seed = seed;
    wo.users = users;
    wo.tenants = {tenant};
    // Monday 14:00 UTC, when office hours of both default regions overlap,
    // so most users are active within the window.
    wo.start_us += 14LL * 3600 * 1'000'000;
    workload::synthetic_workload gen(wo);
    std::vector<event_batch> per_shard(shard_count);
    auto send_all = [&] {
      for (uint32_t s = 0; s < shard_count; ++s) {
        if (per_shard[s].empty())
          continue;
        self->request(shards[s], timeout, ingest_atom::value, std::move(per_shard[s]))
          .receive([](uint32_t) {},
                   [](caf::error& e) { throw std::runtime_error(describe(e)); });
        per_shard[s].clear();
      }
    };
    usage_event e;
    const size_t limit = users * 30;
    for (size_t n = 1; n <= limit && gen.next(e); ++n) {
      per_shard[ring.shard_of(e.tenant, e.user)].push_back(e);
      if (n % 1'000 == 0)
        send_all();
    }
    send_all();
  };
  auto resident = [&] {
    size_t n = 0;
    for (auto& s : shards)
      self->request(s, timeout, status_atom::value)
        .receive([&](const shard_stats& st) { n += st.resident_profiles; },
                 [](caf::error& e) { throw std::runtime_error(describe(e)); });
    return n;
  };
  feed("demo");
  checkpoint_all();
  // Close RocksDB first: its caches, table readers and memtables depend on
  // flush and compaction timing, not on the profiles, and would only add
  // noise. The shards keep their profiles in memory.
  if (auto err = db->close())
    throw std::runtime_error(describe(err));
  auto after = sample();
  profile_memory out;
  out.profiles = resident();
  out.rss_bytes_per_profile = double(after.rss);
  out.heap_bytes_per_profile = double(after.heap);
  for (auto& s : shards)
    self->send_exit(s, caf::exit_reason::user_shutdown);
  return out;
}

} // namespace prescient::bench

namespace prescient::bench {

profile_memory measure_profile_memory(const std::string& self_exe,
                                      const std::string& dir, size_t users,
                                      uint64_t seed) {
  // Each size runs in a fresh process: in one process the second round
  // reuses memory the first freed, and the difference says nothing.
  auto run = [&](size_t n, const std::string& sub) {
    auto cmd = "'" + self_exe + "' profile-sample --users " + std::to_string(n)
               + " --seed " + std::to_string(seed) + " --dir '" + dir + "/" + sub
               + "'";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p)
      throw std::runtime_error("cannot run " + cmd);
    std::string text;
    char buf[512];
    while (size_t k = fread(buf, 1, sizeof buf, p))
      text.append(buf, k);
    if (pclose(p) != 0)
      throw std::runtime_error("profile sample failed: " + text);
    auto j = nlohmann::json::parse(text);
    profile_memory m;
    m.profiles = j["profiles"];
    m.rss_bytes_per_profile = j["rss_bytes"];
    m.heap_bytes_per_profile = j["heap_bytes"];
    return m;
  };
  std::filesystem::create_directories(dir);
  auto small = run(users / 2, "half");
  auto large = run(users, "full");
  profile_memory out;
  out.profiles = large.profiles - small.profiles;
  if (out.profiles > 0) {
    out.rss_bytes_per_profile =
      (large.rss_bytes_per_profile - small.rss_bytes_per_profile) / double(out.profiles);
    out.heap_bytes_per_profile =
      (large.heap_bytes_per_profile - small.heap_bytes_per_profile) / double(out.profiles);
  }
  return out;
}

} // namespace prescient::bench
