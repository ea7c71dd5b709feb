// Delays of a simulated data center: fixed, uniform or lognormal, drawn
// from a seeded generator so that a replay draws the same delays every time
// (and on every platform: the sampling is ours, not <random>'s
// distributions, whose output the standard leaves to the library).
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace prescient::providers {

/// A delay distribution in milliseconds. Draws are >= 0.
struct delay_distribution {
  enum class kind_t { fixed, uniform, lognormal } kind = kind_t::fixed;
  double a = 0; ///< fixed: the value; uniform: low; lognormal: median
  double b = 0; ///< uniform: high; lognormal: 99th percentile

  /// Always `ms`.
  static delay_distribution fixed(double ms);
  /// Uniform in [low_ms, high_ms]. REQUIRES: 0 <= low_ms <= high_ms.
  static delay_distribution uniform(double low_ms, double high_ms);
  /// Lognormal with this median and 99th percentile, the two numbers one
  /// usually knows about start-up times. REQUIRES: 0 < median_ms <= p99_ms.
  static delay_distribution lognormal(double median_ms, double p99_ms);

  /// Parses the config spelling (milliseconds): "fixed:50",
  /// "uniform:20:80", "lognormal:2000:9000" (median:p99). Returns false
  /// and leaves *this alone when `text` is not one of them or is out of range.
  bool parse(const std::string& text);

  /// One draw, in microseconds (rounded).
  int64_t draw_us(std::mt19937_64& rng) const;
};

} // namespace prescient::providers
