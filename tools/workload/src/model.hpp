// Private building blocks of the synthetic workload: hashing and random
// numbers, the app catalogue with resource profiles, per-type app pools and
// region geography.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "prescient/wire/stable_hash.hpp"

namespace prescient::workload::detail {

constexpr int64_t minute_us = 60'000'000;
constexpr int64_t hour_us = 60 * minute_us;
constexpr int64_t day_us = 24 * hour_us;

using wire::mix64;

inline uint64_t hash(uint64_t a, uint64_t b) noexcept {
  return mix64(a ^ mix64(b + 0x9e3779b97f4a7c15ULL));
}

inline uint64_t hash(uint64_t a, uint64_t b, uint64_t c) noexcept {
  return hash(hash(a, b), c);
}

inline uint64_t hash(uint64_t a, uint64_t b, uint64_t c, uint64_t d) noexcept {
  return hash(hash(a, b, c), d);
}

/// Uniform in [0, 1) from 64 random bits.
inline double unit(uint64_t bits) noexcept {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

/// splitmix64 stream; own samplers so results do not depend on the
/// standard library's distributions.
struct rng {
  uint64_t s;

  uint64_t next() noexcept {
    s += 0x9e3779b97f4a7c15ULL;
    return mix64(s);
  }
  double uniform() noexcept { return unit(next()); }
  double uniform(double lo, double hi) noexcept {
    return lo + (hi - lo) * uniform();
  }
  bool chance(double p) noexcept { return uniform() < p; }
  /// Uniform integer in [0, n), n > 0.
  uint32_t below(uint32_t n) noexcept {
    return static_cast<uint32_t>(((next() >> 32) * n) >> 32);
  }
  /// Standard normal (Box-Muller, one of the pair).
  double normal() noexcept {
    double u1 = (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53;
    double u2 = unit(next());
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// Log-normal with the given median and log-sigma.
  double lognormal(double median, double sigma) noexcept {
    return median * std::exp(sigma * normal());
  }
};

/// Resource profile of an app: medians across users; each user's level for
/// the app is log-normal around them with sigma `spread`.
struct app_spec {
  const char* name;
  float cpu;         ///< millicores
  float mem;         ///< MB
  float disk;        ///< IOPS
  float net;         ///< Mbit/s
  float spread;      ///< log-sigma of user levels
  uint8_t gpu_min;   ///< 0 = no GPU
  uint8_t gpu_max;
  float run_minutes; ///< median run length
  bool persistent;   ///< stays open for the rest of the session
  bool batch;        ///< steady load (smaller AR variance), not cut at logoff
};

extern const app_spec apps[];
extern const size_t app_count;

/// Apps a user type draws from, most typical first.
struct app_pool {
  const uint8_t* apps;
  uint8_t size;
  const uint8_t* burst; ///< apps of bursts
  uint8_t burst_size;
};

const app_pool& pool_of(uint8_t type);

/// Index of the app called `name`; aborts if unknown (catalogue bug).
uint8_t app_index(std::string_view name);

/// Timezone and location of a region, from its name.
struct region_geo {
  int tz_minutes;   ///< typical offset
  int tz_alt_minutes; ///< offset of a minority of users (e.g. CET in eu-west)
  double lat, lon;
};

region_geo geo_of(std::string_view region, uint64_t seed);

} // namespace prescient::workload::detail
