#include "profile_memory.hpp"

#include <chrono>
#include <malloc.h>
#include <unistd.h>
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

  // The synthetic workload's own events, in time order, until about 30 per
  // user have gone in: profiles end up with devices, apps and half-filled
  // open chunks as in steady operation, not with a few toy events.
  workload::workload_options wo;
  wo.seed = seed;
  wo.users = users;
  {
  workload::synthetic_workload gen(wo);
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
  usage_event e;
  const size_t limit = users * 30;
  for (size_t n = 1; n <= limit && gen.next(e); ++n) {
    per_shard[ring.shard_of(e.tenant, e.user)].push_back(e);
    if (n % 20'000 == 0)
      send_all();
  }
  send_all();
  } // the generator and the batches are gone before the second sample
  checkpoint_all();
  auto after = sample();
  if (getenv("PRESCIENT_DEBUG_EXIT")) _exit(0);
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
