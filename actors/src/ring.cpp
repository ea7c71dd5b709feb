#include "prescient/actors/ring.hpp"

#include <algorithm>
#include <cassert>

namespace prescient {

namespace {

constexpr uint64_t fnv_offset = 14695981039346656037ull;
constexpr uint64_t fnv_prime = 1099511628211ull;

uint64_t fnv(uint64_t h, std::string_view s) noexcept {
  for (unsigned char c : s) {
    h ^= c;
    h *= fnv_prime;
  }
  return h;
}

// FNV's low bits mix poorly for short keys; a final avalanche (splitmix64's)
// spreads neighbouring user ids over the whole ring.
uint64_t mix(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

} // namespace

uint64_t user_hash(std::string_view tenant, std::string_view user) noexcept {
  auto h = fnv(fnv_offset, tenant);
  h = fnv(h, std::string_view{"\x1f", 1});
  return mix(fnv(h, user));
}

shard_ring::shard_ring(uint32_t shards, uint32_t vnodes) : shards_(shards) {
  assert(shards > 0 && vnodes > 0);
  points_.reserve(size_t{shards} * vnodes);
  for (uint32_t s = 0; s < shards; ++s)
    for (uint32_t v = 0; v < vnodes; ++v)
      points_.push_back({mix((uint64_t{s} << 32) | v), s});
  std::sort(points_.begin(), points_.end(),
            [](const point& a, const point& b) { return a.hash < b.hash; });
}

uint32_t shard_ring::shard_of(std::string_view tenant,
                              std::string_view user) const {
  auto h = user_hash(tenant, user);
  auto i = std::lower_bound(points_.begin(), points_.end(), h,
                            [](const point& p, uint64_t x) { return p.hash < x; });
  return i == points_.end() ? points_.front().shard : i->shard;
}

} // namespace prescient
