#pragma once
// The online production model (prescient::predict::user_model with its
// tenant_model) run prequentially over a tenant's history, all users
// interleaved by time as a shard would see them: every event is predicted,
// then learned. Only events at or after a user's score_from are scored.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "prescient/learned/trainer.hpp"

namespace prescient::learned::detail {

struct online_figures {
  uint64_t predictions = 0;
  double top1 = 0;
  double logloss = 0;  ///< calibrated probability of the target, floored at 1e-6
};

/// score_from[u] for h.users[u]; SIZE_MAX: not scored (but still learned).
online_figures evaluate_online(const tenant_history& h, const std::vector<size_t>& score_from);

} // namespace prescient::learned::detail
