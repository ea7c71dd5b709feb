#include "actor_replay.hpp"

#include <chrono>
#include <deque>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "prescient/actors/errc.hpp"
#include "prescient/actors/router_actor.hpp"
#include "prescient/actors/shard_actor.hpp"
#include "prescient/storage/db.hpp"
#include "prescient/replay/scratch_dir.hpp"

namespace prescient::replay {

predict::scoreboard replay_through_actors(const std::vector<usage_event>& events,
                                          const actor_replay_options& opts) {
  scratch_dir dir(opts.scratch_parent);
  storage::db_options dbo;
  dbo.path = dir.path() + "/db";
  auto opened = storage::db::open(dbo);
  if (!opened)
    throw std::runtime_error("cannot open the scratch database: "
                             + describe(opened.error()));
  auto db = std::move(*opened);
  predict::scoreboard board;
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    std::vector<shard_actor> shards;
    for (uint32_t i = 0; i < opts.shards; ++i) {
      shard_options so;
      so.id = static_cast<uint16_t>(i);
      so.score_predictions = true;
      so.score_components = opts.components;
      shards.push_back(spawn_shard(sys, *db, so));
    }
    router_options ro;
    ro.shards = shards;
    ro.timeout = std::chrono::minutes(5);
    auto router = spawn_router(sys, ro);
    caf::scoped_actor self{sys};
    auto fail = [](const caf::error& err) {
      throw std::runtime_error("replay: " + describe(err));
    };
    // Up to 8 batches in flight keep every shard busy; the router keeps
    // each shard's events in order whatever the replies do.
    constexpr size_t in_flight = 8;
    size_t sent = 0, acked = 0, pending = 0;
    auto await_one = [&] {
      self->receive([&](uint32_t n) { acked += n; },
                    [&](caf::error& err) { fail(err); },
                    caf::after(std::chrono::minutes(5)) >> [&] {
                      throw std::runtime_error("replay: the actors stopped answering");
                    });
      --pending;
      if (opts.progress)
        opts.progress(acked);
    };
    while (sent < events.size()) {
      auto end = std::min(events.size(), sent + opts.batch);
      event_batch batch(events.begin() + static_cast<std::ptrdiff_t>(sent),
                        events.begin() + static_cast<std::ptrdiff_t>(end));
      self->send(router, ingest_atom::value, std::move(batch));
      sent = end;
      if (++pending == in_flight)
        await_one();
    }
    while (pending > 0)
      await_one();
    for (auto& s : shards)
      self->request(s, std::chrono::minutes(1), score_atom::value)
        .receive(
          [&](const std::string& blob) {
            predict::scoreboard part;
            if (!part.load(blob))
              throw std::runtime_error("replay: a shard sent an unreadable scoreboard");
            board.merge(part);
          },
          [&](caf::error& err) { fail(err); });
    self->send_exit(router, caf::exit_reason::user_shutdown);
    for (auto& s : shards)
      self->send_exit(s, caf::exit_reason::user_shutdown);
  }
  if (auto err = db->close())
    throw std::runtime_error("replay: closing the scratch database: " + describe(err));
  return board;
}

} // namespace prescient::replay
