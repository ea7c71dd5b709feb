#pragma once
// The batched inference service: one detached actor (its own thread, off the
// CAF scheduler's workers) that scores users' recent steps with their
// tenant's current model. Requests from any number of shard actors queue in
// its mailbox; it answers them in batches of up to `max_batch`, waiting at
// most `max_delay` after the first request of a batch, with one
// predict_batch per tenant per batch. Requesters use request().then() and
// never block; see external_adapter.hpp for what a shard does with a reply.

#include <chrono>
#include <cstddef>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "prescient/learned/messages.hpp"
#include "prescient/learned/model_registry.hpp"

namespace prescient::learned {

using inference_actor = caf::typed_actor<
  /// The tenant's current model's next-app distribution for the steps
  /// (version 0 when the tenant has none). Steps beyond the model's
  /// context() are ignored (the oldest).
  caf::replies_to<infer_atom, infer_request>::with<sparse_prediction>,
  caf::replies_to<status_atom>::with<inference_stats>,
  /// Internal: the batch timer (the batch's sequence number).
  caf::reacts_to<flush_atom, uint64_t>>;

struct inference_options {
  size_t max_batch = 64;                        // Default: 64 requests
  std::chrono::microseconds max_delay{2000};    // Default: 2 ms after the first request
  size_t top_k = 16;                            // Default: 16 apps per reply
};

/// Spawns the service on its own thread; `registry` is read per batch.
inference_actor spawn_inference(caf::actor_system& sys,
                                std::shared_ptr<const model_registry> registry,
                                inference_options opts = {});

/// The top-k of a full distribution (entry 0 = unknown never listed), best
/// first (ties: smaller id), and the residual mass. Exposed for tests.
sparse_prediction sparsify(const std::vector<float>& dist, size_t k);

} // namespace prescient::learned
