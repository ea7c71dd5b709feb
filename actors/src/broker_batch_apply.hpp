// Applies a broker_batch to a broker's state (private to the broker actor).
#pragma once

#include "broker_state.hpp"
#include "prescient/actors/broker_batch.hpp"

namespace prescient {

/// Releases, then holds, then claims, each exactly as its own message does.
broker_batch_reply apply_batch(broker_state& state, const broker_batch& b);

} // namespace prescient
