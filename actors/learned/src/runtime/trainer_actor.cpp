#include "prescient/learned/trainer_actor.hpp"

#include <optional>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "prescient/storage/db.hpp"

namespace prescient::learned {

namespace {

struct trainer_state {
  static inline const char* name = "learned_trainer";
  std::optional<trainer> work;
};

trainer_actor::behavior_type impl(trainer_actor::stateful_pointer<trainer_state> self,
                                  storage::db* db, std::shared_ptr<model_registry> registry,
                                  trainer_options opts) {
  set_torch_threads(opts.model.threads);
  auto& work = self->state.work.emplace(*db, std::move(registry), std::move(opts));
  auto interval = work.options().interval;
  if (interval.count() > 0)
    self->delayed_send(self, interval, tick_atom::value);
  return {
    [self](train_atom) { return self->state.work->run(true); },
    [self](status_atom) { return self->state.work->status(); },
    [self](tick_atom) {
      auto& w = *self->state.work;
      w.run(false);
      // The next run starts one interval after this one ended.
      self->delayed_send(self, w.options().interval, tick_atom::value);
    },
  };
}

} // namespace

trainer_actor spawn_trainer(caf::actor_system& sys, storage::db& db,
                            std::shared_ptr<model_registry> registry, trainer_options opts) {
  return sys.spawn<caf::detached>(impl, &db, std::move(registry), std::move(opts));
}

} // namespace prescient::learned
