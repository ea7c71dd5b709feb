// Applies a broker_batch to a broker's state (private to the broker actor).
#pragma once

#include <functional>

#include "broker_state.hpp"
#include "prescient/actors/broker_batch.hpp"

namespace prescient {

/// Releases, then holds, then claims, each exactly as its own message does.
/// `done` gets the reply once every claim is answered: at once in event
/// time, later when a live provider's instances must start first.
void apply_batch(broker_state& state, const broker_batch& b,
                 std::function<void(broker_batch_reply)> done);

} // namespace prescient
