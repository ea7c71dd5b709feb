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

profile_memory measure_profile_memory(const std::string& dir, size_t users,
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
  checkpoint_all();
  auto before = sample();

  // Every user active within the last minutes: a launch, a request and
  // heartbeats on one device, drawn from the synthetic workload's apps.
  workload::workload_options wo;
  wo.seed = seed;
  wo.users = users;
  wo.new_user_share = 0;
  wo.churn_share = 0;
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  workload::synthetic_workload gen(wo);
  const auto& apps = workload::app_catalogue();
  std::vector<event_batch> per_shard(shard_count);
  auto send_all = [&] {
    for (uint32_t s = 0; s < shard_count; ++s) {
      if (per_shard[s].empty())
        continue;
      self->request(shards[s], timeout, ingest_atom::value, per_shard[s])
        .receive([](uint32_t) {},
                 [](caf::error& e) { throw std::runtime_error(describe(e)); });
      per_shard[s].clear();
    }
  };
  for (size_t u = 0; u < users; ++u) {
    auto traits = gen.traits(u);
    usage_event e;
    e.tenant = traits.tenant;
    e.user = workload::synthetic_workload::user_id(u);
    e.device = traits.devices.front();
    e.app = apps[u % apps.size()];
    e.session = 1;
    for (int k = 0; k < 6; ++k) {
      e.kind = k == 0 ? event_kind::launch
                      : k == 1 ? event_kind::request : event_kind::heartbeat;
      e.time_us = now - 600'000'000 + int64_t(u % 1000) * 1000 + k * 60'000'000;
      e.usage = {1200.0 + k * 10, 2048, 50, 4.5, 0};
      per_shard[ring.shard_of(e.tenant, e.user)].push_back(e);
    }
    if ((u + 1) % 5'000 == 0)
      send_all();
  }
  send_all();
  checkpoint_all();
  auto after = sample();
  profile_memory out;
  for (auto& s : shards)
    self->request(s, timeout, status_atom::value)
      .receive([&](const shard_stats& st) { out.profiles += st.resident_profiles; },
               [](caf::error& e) { throw std::runtime_error(describe(e)); });
  if (out.profiles > 0) {
    out.rss_bytes_per_profile = double(int64_t(after.rss) - int64_t(before.rss))
                                / double(out.profiles);
    out.heap_bytes_per_profile = double(int64_t(after.heap) - int64_t(before.heap))
                                 / double(out.profiles);
  }
  for (auto& s : shards)
    self->send_exit(s, caf::exit_reason::user_shutdown);
  return out;
}

} // namespace prescient::bench
