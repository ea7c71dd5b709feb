// One user's profile: the state of a virtual user-profile actor. Profiles
// live inside the shard actor that owns their user (Orleans-style virtual
// actors): a profile is activated on its user's first message, passivated
// when idle, and its state restored from storage. Hosting them in shards
// rather than one CAF actor each keeps a resident profile at a few hundred
// bytes, which is what lets a node hold a million users.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "prescient/storage/chunk.hpp"
#include "prescient/storage/db.hpp"
#include "prescient/wire/event.hpp"
#include "anomaly_watch.hpp"
#include "profile_predictor.hpp"
#include "sealed_chunks.hpp"

namespace prescient {

class profile {
public:
  /// Chunks are sealed at this size so that a resident profile stays small
  /// while the key overhead per stored event stays below half a byte.
  static constexpr size_t max_chunk_bytes = 512;

  /// Event time after which an idle device's open chunk leaves memory
  /// (users leave secondary devices idle for hours; their half-full chunks
  /// would otherwise dominate a profile's memory).
  static constexpr int64_t device_idle_us = 10LL * 60 * 1'000'000;

  /// Restores a profile from its stored state; a user with no stored state
  /// gets an empty profile. The open chunk of each device is reloaded, so
  /// appending continues exactly where the last checkpoint left it.
  static caf::expected<profile> load(storage::db& db, std::string_view tenant,
                                     std::string_view user);

  /// Adds one event of this profile's user. Chunks that fill up or leave
  /// their time bucket move to `sealed`, written at the next checkpoint.
  void apply(const usage_event& e, sealed_chunks& sealed);

  /// Adds this profile's open chunks and state to `batch`.
  void checkpoint(storage::db& db, storage::write_batch& batch,
                  std::string_view tenant, std::string_view user);

  /// Frees the open chunk of every device without events since
  /// `horizon_us`. REQUIRES: !dirty(), i.e. the chunk was just written, so
  /// nothing is lost; a later event on the device starts a new chunk.
  void close_idle_devices(int64_t horizon_us);

  bool dirty() const noexcept {
    return dirty_;
  }
  void mark_clean() noexcept {
    dirty_ = false;
  }
  int64_t last_event_us() const noexcept {
    return last_event_us_;
  }
  int64_t first_event_us() const noexcept {
    return first_event_us_;
  }
  uint64_t events() const noexcept {
    return events_;
  }
  storage::activity_class activity() const noexcept;
  std::vector<std::string> devices() const;
  /// 1-based index of the device in devices(); 0 if unknown.
  uint32_t device_index(std::string_view name) const noexcept;

  profile_predictor& predictor() noexcept {
    return predictor_;
  }
  const profile_predictor& predictor() const noexcept {
    return predictor_;
  }
  /// The user's anomaly state (in memory only; see anomaly_watch.hpp).
  anomaly_watch& watch() noexcept {
    return watch_;
  }

private:
  struct device_state {
    std::string name;
    uint32_t next_seq = 0;
    uint32_t open_seq = 0;           ///< key of the open chunk
    int64_t open_bucket_us = 0;      ///< key of the open chunk
    int64_t last_us = 0;             ///< time of the device's latest event
    std::optional<storage::chunk_builder> open;
  };

  device_state& device(std::string_view name);
  std::string encode_state() const;
  bool decode_state(std::string_view blob);

  int64_t first_event_us_ = 0;
  int64_t last_event_us_ = 0;
  uint64_t events_ = 0;
  double rate_ = 0; ///< exponentially decayed event count (7-day time scale)
  bool dirty_ = false;
  std::vector<device_state> devices_;
  profile_predictor predictor_;
  anomaly_watch watch_;
};

} // namespace prescient
