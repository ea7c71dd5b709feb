// The router's cluster mode (private): events routed by shard to the
// shard's primary node, written there and on every other owner of the
// shard before they are acknowledged (R copies, R = cluster.replicas).
//
// Why the primary forwards to its replicas rather than the front node
// writing to all owners: one node orders each shard's writes, and CAF
// keeps the order of messages between two actors, so every replica applies
// a shard's events in the primary's order and holds the same profiles
// (they are a deterministic function of the event sequence) — a replica
// can take over at once when the primary fails.
//
// Delivery is at least once: a batch whose reply fails may have been
// written on some owners, and the client's retry writes it again.
#pragma once

#include <caf/typed_response_promise.hpp>

#include "router_state.hpp"

namespace prescient {

/// Routes a client's batch by the current view; replies with the number of
/// events written (on every owner), or the first error.
void cluster_ingest(router_self self, event_batch& events,
                    caf::typed_response_promise<uint32_t> rp);

/// A peer routed `shard`'s events here as to the primary.
caf::result<uint32_t> forwarded_write(router_self self, uint32_t shard, event_batch& events);

/// The primary replicates `shard`'s events here.
caf::result<uint32_t> replica_write(router_self self, uint32_t shard, event_batch& events);

/// True unless, in cluster mode, another node is the primary of the user's
/// shard (the replicas predict too, but only the primary places holds).
bool places_holds_for(const router_state& st, const std::string& tenant,
                      const std::string& user);

} // namespace prescient
