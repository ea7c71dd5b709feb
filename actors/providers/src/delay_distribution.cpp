#include "prescient/providers/delay_distribution.hpp"

#include <cmath>
#include <cstdlib>
#include <vector>

namespace prescient::providers {

namespace {

// z of the 99th percentile of the standard normal.
constexpr double z99 = 2.3263478740408408;
constexpr double two_pi = 6.283185307179586;

/// Uniform in (0, 1]: 53 random bits, never 0 so that log() is finite.
double unit(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out(1);
  for (char c : text)
    if (c == sep)
      out.emplace_back();
    else
      out.back() += c;
  return out;
}

bool number(const std::string& s, double& out) {
  if (s.empty())
    return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return *end == '\0' && std::isfinite(out) && out >= 0;
}

} // namespace

delay_distribution delay_distribution::fixed(double ms) {
  return {kind_t::fixed, ms, ms};
}

delay_distribution delay_distribution::uniform(double low_ms, double high_ms) {
  return {kind_t::uniform, low_ms, high_ms};
}

delay_distribution delay_distribution::lognormal(double median_ms,
                                                 double p99_ms) {
  return {kind_t::lognormal, median_ms, p99_ms};
}

bool delay_distribution::parse(const std::string& text) {
  auto parts = split(text, ':');
  double x = 0, y = 0;
  if (parts[0] == "fixed" && parts.size() == 2 && number(parts[1], x)) {
    *this = fixed(x);
    return true;
  }
  if (parts.size() != 3 || !number(parts[1], x) || !number(parts[2], y)
      || y < x)
    return false;
  if (parts[0] == "uniform") {
    *this = uniform(x, y);
    return true;
  }
  if (parts[0] == "lognormal" && x > 0) {
    *this = lognormal(x, y);
    return true;
  }
  return false;
}

int64_t delay_distribution::draw_us(std::mt19937_64& rng) const {
  double ms = a;
  switch (kind) {
    case kind_t::fixed:
      break;
    case kind_t::uniform:
      ms = a + (b - a) * (unit(rng) - 0x1.0p-53);
      break;
    case kind_t::lognormal: {
      // Box-Muller: one standard normal from two uniforms, drawn in a fixed
      // order (argument evaluation order is unspecified).
      double u1 = unit(rng);
      double u2 = unit(rng);
      double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
      double sigma = std::log(b / a) / z99;
      ms = a * std::exp(sigma * z);
      break;
    }
  }
  return std::llround(ms * 1000.0);
}

} // namespace prescient::providers
