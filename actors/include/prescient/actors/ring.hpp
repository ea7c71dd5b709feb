// Consistent-hash ring that maps a user to a shard. Shards, not nodes, are
// the points on the ring: a shard is the unit that moves between nodes, so
// adding a node later reassigns whole shards and no user is split.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace prescient {

/// 64-bit FNV-1a over tenant, a separator, and user: stable across builds
/// and machines (std::hash is not), so every node computes the same ring.
uint64_t user_hash(std::string_view tenant, std::string_view user) noexcept;

class shard_ring {
public:
  /// Places `shards` shards with `vnodes` virtual points each.
  /// REQUIRES: shards > 0, vnodes > 0.
  explicit shard_ring(uint32_t shards, uint32_t vnodes = 128);

  /// The shard that owns the user.
  uint32_t shard_of(std::string_view tenant, std::string_view user) const;

  uint32_t shards() const noexcept {
    return shards_;
  }

private:
  struct point {
    uint64_t hash;
    uint32_t shard;
  };
  uint32_t shards_;
  std::vector<point> points_; // sorted by hash
};

} // namespace prescient
