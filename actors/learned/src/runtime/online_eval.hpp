#pragma once
// The online production model (prescient::predict::user_model with its
// tenant_model) run prequentially over a tenant's history, all users
// interleaved by time as a shard would see them: every event is predicted,
// then learned. Only events at or after a user's score_from are scored.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "prescient/learned/trainer.hpp"
#include "prescient/predict/types.hpp"

namespace prescient::learned::detail {

struct online_figures {
  uint64_t predictions = 0;
  double top1 = 0;
  double logloss = 0;  ///< calibrated probability of the target, floored at 1e-6
};

/// Per tenant_history user, per held-out event (index - score_from): the
/// learned model's sparse prediction in tenant_history app ids.
using external_predictions = std::vector<std::vector<std::vector<predict::scored_app>>>;

/// score_from[u] for h.users[u]; SIZE_MAX: not scored (but still learned).
/// With `external`, held-out events are predicted with the learned model as
/// the online model's external component (its per-user gate starts cold at
/// score_from, as for a user the model is new to).
online_figures evaluate_online(const tenant_history& h, const std::vector<size_t>& score_from,
                               const external_predictions* external = nullptr);

} // namespace prescient::learned::detail
