// Value types shared by all predictors of prescient::predict.
//
// Apps, devices and sessions are small integer ids. The tenant owns the
// mapping from names to ids (its dictionary is persisted beside the tenant
// state); a user profile stores only ids, which keeps it small.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace prescient::predict {

using app_id = std::uint32_t;
inline constexpr app_id no_app = std::numeric_limits<app_id>::max();

/// What a profile learns from: one use of an app by the user.
struct event {
  double time_s = 0;            ///< event time, seconds since the epoch
  app_id app = no_app;
  std::uint32_t device = 0;     ///< device id (0 = unknown)
  std::uint32_t session = 0;    ///< session id (0 = unknown: sessions split by idle gaps)
  float requests = 1;           ///< how many requests this event stands for (azure: per minute)
};

/// Resource usage of one run of an app (any field may be NaN = unknown).
struct usage {
  float cpu_millicores = NAN, memory_mb = NAN, disk_iops = NAN, network_mbps = NAN,
        gpus = NAN, duration_ms = NAN;
};

struct scored_app {
  app_id app = no_app;
  double p = 0;
};

/// A prediction window [lo, hi] in seconds from the last event.
struct time_window {
  double lo = 0, hi = 0;
  bool valid() const { return hi >= lo && hi > 0; }
};

/// A top-k next-app prediction and the probability of every app.
struct next_app_prediction {
  std::vector<scored_app> top;  ///< best first
  double confidence = 0;        ///< calibrated probability that top[0] is right
  time_window window;           ///< when the next launch comes (80% by default)
};

// ---------------------------------------------------------------- codec
/// Compact binary encoding used by save()/load(): LEB128 varints, raw floats.
class writer {
public:
  explicit writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void var(std::uint64_t v) {
    while (v >= 0x80) { u8(static_cast<std::uint8_t>(v | 0x80)); v >>= 7; }
    u8(static_cast<std::uint8_t>(v));
  }
  void f32(float v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void f64(double v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
private:
  std::string& out_;
};

class reader {
public:
  explicit reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  std::size_t remaining() const { return in_.size() - pos_; }
  std::uint8_t u8() {
    if (pos_ >= in_.size()) { ok_ = false; return 0; }
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t var() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      auto b = u8();
      if (!ok_) return 0;
      v |= std::uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok_ = false;
    return 0;
  }
  float f32() { float v = 0; raw(&v, sizeof v); return v; }
  double f64() { double v = 0; raw(&v, sizeof v); return v; }
  /// A count that must not exceed `max` (guards allocations on bad input).
  std::size_t count(std::size_t max) {
    auto n = var();
    if (n > max) { ok_ = false; return 0; }
    return static_cast<std::size_t>(n);
  }
  void fail() { ok_ = false; }
private:
  void raw(void* p, std::size_t n) {
    if (in_.size() - pos_ < n) { ok_ = false; return; }
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

} // namespace prescient::predict
