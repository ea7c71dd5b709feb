// Internal: the chunk bitstream, shared by encoder and decoder.
//
// After the 14-byte header (chunk.hpp), each event is, MSB first:
//   time     '0' if delta-of-delta == 0, else '1', a bit saying "multiple of
//            1000 µs" (then the dod is stored in ms: front ends often send
//            ms-resolution clocks) and varwidth(zigzag(dod)).
//   kind     2 bits.
//   app      '0' same as previous event, else '1' + dictionary index in
//            bitlen(dict size) bits; index == size adds a new app:
//            16-bit length + bytes.
//   session  '0' same as previous, else '1' + varwidth(zigzag(delta)).
//   values   cpu, memory, disk, network, gpus, duration: xor each.
//   location '0' absent, else '1' + xor(lat bits) + xor(lon bits).
// varwidth(v): '0' + w bits (w = width of the last explicit write), or
// '1' + 6 bits (L - 1) + L bits, which sets w = L.
// xor(v): Gorilla: '0' same as previous; '10' + the meaningful bits inside
// the previous window; '11' + 6 bits leading zeros + 6 bits (length - 1) +
// length bits, which sets the window.
// Integer arithmetic wraps (uint64), so any int64 time or session
// round-trips. The last byte is zero-padded; the count in the header says
// where the stream ends.
#pragma once

#include <cmath>
#include <cstdint>

#include "prescient/storage/chunk.hpp"

namespace prescient::storage::detail {

constexpr int value_count = 6;

inline const double value_steps[value_count] = {
  precision::cpu_millicores, precision::memory_mb, precision::disk_iops,
  precision::network_mbps,   precision::gpus,      precision::duration_ms};

inline int64_t quantise(double x, double step) {
  if (!std::isfinite(x))
    return 0;
  constexpr double limit = 4.611686018427387904e18; // 2^62
  double q = std::round(x / step);
  if (q > limit)
    q = limit;
  else if (q < -limit)
    q = -limit;
  return static_cast<int64_t>(q);
}

inline uint64_t zigzag(uint64_t x) {
  auto s = static_cast<int64_t>(x);
  return (x << 1) ^ static_cast<uint64_t>(s >> 63);
}

inline uint64_t unzigzag(uint64_t z) {
  return (z >> 1) ^ (~(z & 1) + 1);
}

inline unsigned bitlen(uint64_t x) {
  return x == 0 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(x));
}

inline void store_le(char* out, uint64_t x, int n) {
  for (int i = 0; i < n; ++i)
    out[i] = static_cast<char>((x >> (8 * i)) & 0xFF);
}

inline uint64_t load_le(const char* in, int n) {
  uint64_t x = 0;
  for (int i = n - 1; i >= 0; --i)
    x = (x << 8) | static_cast<uint8_t>(in[i]);
  return x;
}

constexpr unsigned app_len_bits = 16;

} // namespace prescient::storage::detail
