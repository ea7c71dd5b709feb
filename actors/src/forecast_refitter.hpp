// Refits of demand forecasters off the broker's thread. A fit of a seasonal
// forecaster over weeks of 5-minute steps takes up to ~0.5 s; run inside a
// broker it would hold every claim of that data center for as long. The
// broker hands a copy of the forecaster to this detached actor, keeps
// forecasting with the old one, and adopts the refitted copy when it
// returns (replaying the few observations made meanwhile).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/local_actor.hpp>

#include "prescient/forecast/forecaster.hpp"

namespace prescient {

struct refit_job {
  size_t series = 0;         ///< which series of the demand tracker
  forecast::forecaster model; ///< a copy; refitted by the refitter
};

using refit_job_ptr = std::shared_ptr<refit_job>;

/// Spawns the refitter, linked to `owner` (it ends with its owner). It
/// answers every refit_job_ptr with the same job, refitted.
caf::actor spawn_refitter(caf::local_actor* owner);

} // namespace prescient

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(prescient::refit_job_ptr)
