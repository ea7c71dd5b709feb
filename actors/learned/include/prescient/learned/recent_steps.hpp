#pragma once
// A user's last steps as the learned model sees them, packed for a resident
// profile: 32 steps of 8 bytes plus a little encoder state (~280 bytes).
// Plain C++. Single-threaded (lives in a profile, owned by its shard).
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
  static constexpr size_t capacity = 32;
  static constexpr uint32_t no_app_id = 0xFFFFFF;  ///< shard ids >= this are kept as "unknown"

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
    return static_cast<uint32_t>(at(i) & 0xFFFFFF);
  }

  /// The held steps, oldest first, apps mapped by `to_model(shard_app)` to
  /// model vocabulary ids (0 = unknown).
  template <class F>
  void steps(F&& to_model, std::vector<step>& out) const {
    out.clear();
    for (size_t i = 0; i < count_; ++i) {
      auto s = unpack(at(i));
      s.app = s.app == no_app_id ? 0u : to_model(s.app);
      out.push_back(s);
    }
  }

private:
  uint64_t at(size_t i) const noexcept {
    return packed_[(head_ + capacity - count_ + i) % capacity];
  }
  static step unpack(uint64_t p);

  std::array<uint64_t, capacity> packed_{};
  double last_time_ = 0;
  uint32_t session_ = 0;   // folded session id of the last event
  uint32_t position_ = 0;  // events pushed
  uint8_t head_ = 0;       // next slot
  uint8_t count_ = 0;
  uint8_t in_session_ = 0; // position in the session of the last event
};

} // namespace prescient::learned
