// Per-app resource usage: streaming quantiles (p50, p90, p99) of cpu,
// memory, disk, network, gpu and duration, with the extended P² algorithm
// (Jain & Chlamtac 1985; Raatikainen 1987): 9 markers track the three
// quantiles in O(1) memory and time per observation, no samples kept.
// A profile keeps the apps it used most recently (bounded, LRU); the tenant
// keeps every app, so a user's first run of an app gets the tenant's figures.
#pragma once

#include <array>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "prescient/predict/types.hpp"

namespace prescient::predict {

/// Streaming p50/p90/p99 of one quantity (extended P², 9 markers).
class p2_quantiles {
public:
  static constexpr int markers = 9;
  void add(double x);
  /// q in {0.5, 0.9, 0.99} (other values: interpolated between markers).
  double quantile(double q) const;
  std::uint32_t count() const { return n_; }
  void save(writer& w) const;
  void load(reader& r);

private:
  std::array<float, markers> h_{};     // marker heights (first n_ samples while n_ < markers)
  std::array<std::int32_t, markers> pos_{};  // marker positions (1-based)
  std::uint32_t n_ = 0;
};

enum class metric : int { cpu, memory, disk, network, gpu, duration, count_ };
inline constexpr int metric_count = static_cast<int>(metric::count_);
const char* metric_name(metric m);

struct quantiles3 {
  double p50 = NAN, p90 = NAN, p99 = NAN;
  std::uint32_t n = 0;
};

/// Quantiles of the metrics an app reported (sparse: a trace that gives only
/// duration and memory keeps two estimators, not six).
class app_usage {
public:
  void add(const usage& u);
  quantiles3 get(metric m) const;
  void save(writer& w) const;
  void load(reader& r);
  std::size_t heap_bytes() const { return q_.capacity() * sizeof(p2_quantiles); }
private:
  const p2_quantiles* find(int m) const;
  std::uint8_t has_ = 0;              // bit m: metric m has an estimator
  std::vector<p2_quantiles> q_;       // one per set bit, in metric order
};

class usage_model {
public:
  static constexpr std::size_t max_apps = 16;
  void add(app_id a, const usage& u);
  /// nullptr when this profile has no usage of the app.
  const app_usage* find(app_id a) const;
  std::size_t apps() const { return apps_.size(); }
  std::size_t memory_bytes() const {
    std::size_t n = sizeof *this + apps_.capacity() * sizeof(slot);
    for (auto& s : apps_) n += s.u.heap_bytes();
    return n;
  }
  void save(writer& w) const;
  void load(reader& r);
private:
  struct slot { app_id app; std::uint32_t stamp; app_usage u; };
  std::vector<slot> apps_;
  std::uint32_t clock_ = 0;
};

/// Tenant-wide usage per app (unbounded: one entry per app of the tenant).
class tenant_usage {
public:
  void add(app_id a, const usage& u) { apps_[a].add(u); }
  const app_usage* find(app_id a) const {
    auto it = apps_.find(a);
    return it == apps_.end() ? nullptr : &it->second;
  }
private:
  std::unordered_map<app_id, app_usage> apps_;
};

} // namespace prescient::predict
