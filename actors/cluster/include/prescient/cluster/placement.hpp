// Where each shard lives: its owner nodes, the first being the primary.
//
// Users map to shards on a fixed ring (prescient::shard_ring, the same on
// every node, the shard count fixed for the cluster's life); shards map to
// nodes here, by rendezvous hashing (highest random weight): each shard
// ranks every owner node by a stable hash of (shard, node) and takes the
// top `replicas`. Why rendezvous rather than a second ring of virtual nodes:
//   - when a node joins or leaves, only the shards that rank it among
//     their top `replicas` move, about replicas/N of them — the minimum;
//   - a shard's replicas are distinct nodes by construction, with no walk
//     along a ring skipping duplicates;
//   - every node computes the same placement from the same member list,
//     with nothing to exchange but the list.
// The cost, shards × nodes hashes per change, is small: 4096 shards on 10
// nodes take well under a millisecond.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace prescient::cluster {

/// A node id's stable hash, the input of rendezvous_weight().
uint64_t node_hash(std::string_view id) noexcept;
/// Rendezvous (highest random weight) score of a node for `key` (a shard
/// id, or a stable hash of a name): among candidate nodes, the highest
/// score wins. Part of the wire contract: every node must agree.
uint64_t rendezvous_weight(uint64_t key, uint64_t node_hash) noexcept;

class placement {
public:
  /// `owners`: the node ids that own shards (any order; duplicates
  /// ignored). `replicas` is capped at the number of owners.
  placement(uint32_t shards, std::vector<std::string> owners, uint32_t replicas);

  /// The owners of `shard`, primary first. Empty when there is no owner.
  const std::vector<std::string>& owners_of(uint32_t shard) const;
  const std::string* primary(uint32_t shard) const;
  bool owns(const std::string& node, uint32_t shard) const;

  uint32_t shards() const noexcept {
    return static_cast<uint32_t>(table_.size());
  }
  uint32_t replicas() const noexcept {
    return replicas_;
  }
  /// Shards whose owners include `node`.
  std::vector<uint32_t> shards_of(const std::string& node) const;

private:
  std::vector<std::vector<std::string>> table_;
  uint32_t replicas_;
};

/// A shard's copy that a node must receive when placement changes: `to`
/// became an owner of `shard` and copies it from `from`, an owner before the
/// change that is still live (the primary when it is), else empty (every
/// previous copy was lost with its nodes: nothing to copy, which the caller
/// reports).
struct transfer {
  uint32_t shard = 0;
  std::string from;
  std::string to;
};

/// What must be copied to get from `before` to `after` (same shard count),
/// ordered by shard; `live` are the nodes that can send (a node that left
/// gracefully is live until it has handed off; a failed one is not).
/// Owners that only lose a shard copy nothing; they drop it once the new
/// owners have it.
std::vector<transfer> transfers(const placement& before, const placement& after,
                                const std::vector<std::string>& live);

} // namespace prescient::cluster
