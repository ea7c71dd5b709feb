// A data center's provider as its config says: simulated (event time, drawn
// delays) or local processes (with a state directory under node.data_dir so
// that a restarted node adopts the children of the one that crashed).
#pragma once

#include "prescient/actors/broker_actor.hpp"
#include "prescient/node/config.hpp"

namespace prescient::node {

/// Throws node_error when the state directory cannot be created.
broker_provider make_provider(const node_config& cfg, const data_center_config& dc);

} // namespace prescient::node
