// The router's cluster mode (private): events routed by shard to the
// shard's primary node, written there and on every other owner of the
// shard before they are acknowledged (R copies, R = cluster.replicas).
// A client's batch crosses to each peer at most once: the parts of all
// shards a peer is the primary (or a replica) of travel in one message.
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

/// A peer routed shards' events here as to their primary.
caf::result<uint32_t> forwarded_write(router_self self, shard_parts& parts);

/// The primary of the parts' shards replicates them here.
caf::result<uint32_t> replica_write(router_self self, shard_parts& parts);

/// Part of a shard's copy for this node: applied where not held yet.
caf::result<uint32_t> copy_write(router_self self, uint32_t shard, event_batch& events);

/// Adopts a new view. Where the placement changed, this node sends each
/// shard it must hand over (cluster::transfers with it as the source) to
/// the new owner: the shard's users listed now, their stored events read a
/// few users at a time and sent in chunks (shard_snapshot.cpp says why the
/// copy and the live writes hold every event once). Live writes reach the
/// new owner from now on too, so it may see
/// a user's newer events before the copied older ones: every event is
/// stored (several chunks per bucket, reads sort by time), while the
/// profile's online models learn those older events late.
void adopt_view(router_self self, cluster_view_ptr view);

/// A peer's failure as the client sees it: our own errors pass unchanged
/// (e.g. the peer's "no quorum"), a timeout or a lost link names the node.
caf::error peer_error(const std::string& node, const cluster_view& v, const caf::error& err);

/// True unless, in cluster mode, another node is the primary of the user's
/// shard (the replicas predict too, but only the primary places holds).
bool places_holds_for(const router_state& st, const std::string& tenant,
                      const std::string& user);

} // namespace prescient
