#pragma once
// The trainer actor (one per node): runs prescient::learned::trainer on a
// detached thread, so training never occupies a scheduler worker, on a
// schedule (trainer_options::interval, min_new_events) and on demand.
// Messages wait in its mailbox while a run is in progress; a run lasts at
// most about one time budget (train_options::time_budget_s) per tenant, so
// give requests to it a timeout above that.

#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "prescient/learned/messages.hpp"
#include "prescient/learned/trainer.hpp"

namespace prescient::learned {

using trainer_actor = caf::typed_actor<
  /// Trains every tenant now (min_new_events ignored); one outcome per tenant.
  caf::replies_to<train_atom>::with<std::vector<train_outcome>>,
  /// Counters and the recent outcomes.
  caf::replies_to<status_atom>::with<trainer_status>,
  /// Internal: the schedule.
  caf::reacts_to<tick_atom>>;

/// `db` must outlive the actor. The registry should already hold what
/// reload_published() found, so versions continue from there.
trainer_actor spawn_trainer(caf::actor_system& sys, storage::db& db,
                            std::shared_ptr<model_registry> registry,
                            trainer_options opts = {});

} // namespace prescient::learned
