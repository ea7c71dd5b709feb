#include "prescient/actors/ring.hpp"

#include <algorithm>
#include <cassert>

#include "prescient/wire/stable_hash.hpp"

namespace prescient {

using wire::fnv1a;
using wire::mix64;

uint64_t user_hash(std::string_view tenant, std::string_view user) noexcept {
  auto h = fnv1a(tenant);
  h = fnv1a(std::string_view{"\x1f", 1}, h);
  return mix64(fnv1a(user, h));
}

shard_ring::shard_ring(uint32_t shards, uint32_t vnodes) : shards_(shards) {
  assert(shards > 0 && vnodes > 0);
  points_.reserve(size_t{shards} * vnodes);
  for (uint32_t s = 0; s < shards; ++s)
    for (uint32_t v = 0; v < vnodes; ++v)
      points_.push_back({mix64((uint64_t{s} << 32) | v), s});
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
