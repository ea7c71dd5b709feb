#pragma once
// A user's last steps as the learned model sees them, packed for a resident
// profile (~420 bytes): the apps of the last 128 events (2 bytes each: what
// the model's pointer can copy from) and the full features of the last 16
// (8 bytes each: the recurrent window), plus a little encoder state. The
// model reads only the app of steps older than its window, so older steps
// come out of steps() with zero features. On the greenberg-unix dev trace a
// pointer over 32 steps loses to the online model, over 128 it wins (see
// README). Plain C++. Single-threaded (lives in a profile, owned by its
// shard).
//
// Apps are kept as the SHARD's app ids (its per-tenant dictionary), not the
// model's: the model vocabulary changes with every published version, the
// shard's ids do not. steps() translates them when a request is built.
//
// The features are exactly those of step_encoder (features.hpp) with
// utc_offset 0 and a 30-minute session gap, a session key equal to the
// decimal form of a nonzero session id (0 = none), device = device_code();
// only the log gap is quantised (steps of 2^-14, invisible to the model).

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "prescient/learned/step.hpp"

namespace prescient::learned {

/// The device id used in steps: a hash of the device name. The model hashes
/// it again into train_options::device_buckets (<= 256, a power of two, for
/// the trainer and the shard to agree).
uint32_t device_code(std::string_view device);

class recent_steps {
public:
  static constexpr size_t capacity = 128;      ///< steps held (apps)
  static constexpr size_t full_capacity = 16;  ///< of which with all features
  static constexpr uint32_t no_app_id = 0xFFFF; ///< shard ids >= this are kept as "unknown"

  /// Appends one event of the user (time order; `app` = the shard's app id).
  void push(double time_s, uint32_t app, uint32_t device, uint64_t session);

  /// Steps held (<= capacity).
  size_t size() const noexcept {
    return count_;
  }

  /// Events pushed so far. Tags inference requests and replies: a reply is
  /// for the user's current position iff its position equals this.
  uint32_t position() const noexcept {
    return position_;
  }

  /// The shard app id of the i-th held step, oldest first (no_app_id if the
  /// shard's id did not fit).
  uint32_t app(size_t i) const noexcept {
    return apps_[(head_ + capacity - count_ + i) % capacity];
  }

  /// The held steps, oldest first, apps mapped by `to_model(shard_app)` to
  /// model vocabulary ids (0 = unknown). Only the last full_capacity steps
  /// carry their hour, position, device and gap.
  template <class F>
  void steps(F&& to_model, std::vector<step>& out) const {
    out.clear();
    for (size_t i = 0; i < count_; ++i) {
      step s;
      if (i + full_capacity >= count_)
        s = unpack(features_[(position_ - count_ + i) % full_capacity]);
      auto a = app(i);
      s.app = a == no_app_id ? 0u : to_model(a);
      out.push_back(s);
    }
  }

private:
  static step unpack(uint64_t p);

  std::array<uint16_t, capacity> apps_{};
  std::array<uint64_t, full_capacity> features_{};  // by position % full_capacity
  double last_time_ = 0;
  uint32_t session_ = 0;   // folded session id of the last event
  uint32_t position_ = 0;  // events pushed
  uint8_t head_ = 0;       // next slot of apps_
  uint8_t count_ = 0;      // <= capacity
  uint8_t in_session_ = 0; // position in the session of the last event
};

} // namespace prescient::learned
