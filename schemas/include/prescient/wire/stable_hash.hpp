// Hashes that every node, build and machine computes alike (std::hash does
// not promise that): the ring that maps users to shards, the placement of
// shards on nodes and the synthetic workload all depend on them, so they
// are part of the cluster's wire contract.
#pragma once

#include <cstdint>
#include <string_view>

namespace prescient::wire {

/// splitmix64's finaliser: a full 64-bit avalanche.
constexpr uint64_t mix64(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t fnv1a_offset = 14695981039346656037ull;

/// 64-bit FNV-1a, continuing from `h`. Its low bits mix poorly for short
/// keys: finish with mix64 before using it to place anything.
constexpr uint64_t fnv1a(std::string_view s, uint64_t h = fnv1a_offset) noexcept {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

} // namespace prescient::wire
