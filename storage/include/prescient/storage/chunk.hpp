// Compressed chunks of one device's events in one 2-hour bucket of event
// time, in the spirit of Gorilla (Pelkonen et al., VLDB 2015) but
// predictive per app: a device interleaves the heartbeats of several running
// apps, so the chunk keeps a small model per app of its dictionary (previous
// time, heartbeat interval, kind and usage) and codes every field as an
// adaptive Rice-coded residual against that app's prediction (format in
// storage/src/chunk_format.hpp). A heartbeat takes ~8 bytes.
//
// Lossy by design: the six measured values are quantised (see `precision`)
// because float noise below those steps carries no signal for prediction or
// provisioning, and integers leave far smaller residuals than doubles.
// Timestamps, kind, app, session and location (as doubles) round-trip
// exactly. Role is not stored (it is a user attribute, kept in the profile),
// nor is location_consent: a decoded event has a location only if one was
// stored, and location_consent is true exactly then.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "prescient/storage/activity_class.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::storage {

namespace detail {

// Internal (the prediction model of the chunk format, shared by
// chunk_builder and the decoder; see storage/src/chunk_format.hpp).

constexpr int usage_count = 5; // cpu, memory, disk, network, gpus
constexpr uint8_t no_kind = 0xFF;
constexpr uint8_t kind_close = 1;

/// Initial adaptive states (1/4 bits): expected magnitudes at a chunk start.
constexpr uint8_t init_state_ms = 4 * 14;
constexpr uint8_t init_state_us = 4 * 30;
constexpr uint8_t init_state_session = 4 * 4;
constexpr uint8_t init_state_duration = 4 * 18;

/// Prediction state of one stream: the events of one run of an app (a
/// device may run the same app several times at once), identical in
/// encoder and decoder.
struct app_model {
  uint64_t prev_t = 0;
  int32_t interval = 0;           ///< last heartbeat interval (µs); 0: none
  int32_t vals[usage_count] = {}; ///< previous usage (clamped)
  uint8_t state[usage_count] = {};
  uint8_t last_kind = no_kind;
  bool has_vals = false;
  uint16_t app = 0; ///< index into the chunk's app dictionary

  bool active() const noexcept {
    return last_kind != no_kind && last_kind != kind_close;
  }
};

/// Per-chunk prediction state.
struct chunk_model {
  uint64_t prev_t = 0;
  uint64_t session = 0;
  uint32_t interval = 0; ///< last heartbeat interval of any app (µs)
  uint16_t prev_app = 0;
  uint8_t state_ms = init_state_ms;
  uint8_t state_us = init_state_us;
  uint8_t state_session = init_state_session;
  uint8_t state_duration = init_state_duration;
};

} // namespace detail

/// Width of a time bucket: one chunk key per device and 2 h of event time.
constexpr int64_t bucket_duration_us = int64_t{2} * 3600 * 1'000'000;

/// Start of the bucket holding `time_us`, aligned to the Unix epoch (floor,
/// also for negative times). REQUIRES |time_us| < 2^62 (any real clock).
int64_t bucket_start_of(int64_t time_us) noexcept;

/// Quantisation steps of the stored values. A decoded value is
/// round(x / step) * step; non-finite values are stored as 0 and magnitudes
/// beyond 2^62 steps are clamped.
namespace precision {
constexpr double cpu_millicores = 1;   ///< 1 millicore
constexpr double memory_mb = 1;        ///< 1 MB
constexpr double disk_iops = 1;        ///< 1 IOPS
constexpr double network_mbps = 0.01;  ///< 0.01 Mbit/s
constexpr double gpus = 0.01;          ///< 0.01 GPU
constexpr double duration_ms = 1;      ///< 1 ms
} // namespace precision

/// Version byte at the start of every chunk value written now. Version 1
/// chunks (fixed 14-byte header, XOR-coded values) are still decoded.
constexpr uint8_t chunk_format_version = 2;

/// Upper bound of the header: version (1 B), activity class (1 B), then
/// varints of the bucket index and the event count (6 bytes for today's
/// buckets and < 128 events); the bitstream follows.
constexpr size_t chunk_header_bytes = 14;

struct chunk_header {
  uint8_t version = chunk_format_version;
  activity_class cls = activity_class::regular;
  int64_t bucket_start_us = 0;
  uint32_t events = 0;
};

/// Reads only the header; corruption when too short or unknown version.
[[nodiscard]] caf::expected<chunk_header> read_chunk_header(std::string_view bytes);

/// Encodes the events of one device in one bucket, incrementally. The
/// encoded bytes form a complete chunk after every append, so an owner can
/// persist it at a checkpoint and later rewrite the same key with more
/// events. Memory: sizeof (168 bytes) plus the encoded bytes (~8-10 B per
/// event) plus 8 bytes per app and 48 per concurrent run of an app in the
/// chunk (app names are not kept: the dictionary points into the encoded
/// bytes); the buffer grows by ~25 %,
/// never doubles. To bound
/// memory further, persist the chunk and continue the bucket with a fresh
/// builder under the next chunk_key::seq.
/// Not thread-safe.
class chunk_builder {
public:
  /// The bucket is the one holding `first_time_us`.
  explicit chunk_builder(int64_t first_time_us,
                         activity_class cls = activity_class::regular);

  /// True if `time_us` lies in this builder's bucket; times in the bucket
  /// may arrive in any order.
  bool accepts(int64_t time_us) const noexcept;

  /// Appends one event. REQUIRES: accepts(e.time_us) (asserted; tenant,
  /// user, device and role are not stored — the key holds the first three).
  void append(const usage_event& e);

  size_t events() const noexcept {
    return events_;
  }

  /// Size of encoded(), header included.
  size_t bytes() const noexcept {
    return buf_.size();
  }

  /// The time given at construction.
  int64_t first_time_us() const noexcept {
    return first_time_us_;
  }

  int64_t bucket_start_us() const noexcept {
    return bucket_start_us_;
  }

  activity_class cls() const noexcept {
    return cls_;
  }

  /// A complete, decodable chunk; valid until the next append.
  std::string_view encoded() const noexcept {
    return {buf_.data(), buf_.size()};
  }

  /// Heap and inline bytes this builder holds (for memory accounting).
  size_t memory_bytes() const noexcept;

  /// Releases spare buffer capacity (e.g. before a profile goes idle).
  void shrink_to_fit();

  /// Starts a new, empty chunk in this builder, keeping the capacity of its
  /// buffers: a device that seals chunk after chunk then allocates nothing,
  /// which keeps the heap of a long-running node from fragmenting.
  void reset(int64_t first_time_us, activity_class cls);

private:
  /// Gorilla XOR state of one 64-bit stream: previous value and the
  /// window (leading/trailing zero counts) of the last explicit encoding.
  struct xor_state {
    uint64_t prev = 0;
    uint8_t lead = 0xFF; // 0xFF: no window yet
    uint8_t trail = 0;
  };

  /// One app of the chunk's dictionary: where its name lives in the
  /// encoded bytes (bit offset from the stream start) and its hash.
  struct app_entry {
    uint32_t name_hash = 0;
    uint32_t name_bit = 0;
  };

  void put_bits(uint64_t value, unsigned count);
  void put_rice(uint64_t u, uint8_t& state);
  void put_long(uint64_t nonzero);
  void put_xor(uint64_t value, xor_state& st);
  void put_name(std::string_view app);
  size_t find_app(std::string_view app) const;
  size_t choose_stream(size_t app, uint64_t t, uint8_t kind,
                       int64_t duration) const;
  void write_count();

  std::vector<char> buf_; // header + bitstream; last byte partially filled
  std::vector<app_entry> apps_; // per-chunk dictionary, in first-use order
  std::vector<detail::app_model> streams_; // per-chunk streams (app runs)
  int64_t first_time_us_;
  int64_t bucket_start_us_;
  detail::chunk_model model_;
  xor_state lat_;
  xor_state lon_;
  uint32_t events_ = 0;
  uint8_t free_bits_ = 0;  // unused low bits of buf_.back()
  uint8_t count_pos_ = 0;  // offset of the event count varint
  uint8_t stream_pos_ = 0; // offset of the bitstream
  bool has_location_ = false; // previous event had a location
  activity_class cls_;
};

/// Decodes a chunk written by chunk_builder; tenant, user and device (from
/// the key) are copied into every event. Returns storage_errc::corruption
/// for truncated or garbled input; never reads out of bounds. Events come
/// in append order.
[[nodiscard]] caf::expected<std::vector<usage_event>>
decode_chunk(std::string_view bytes, std::string_view tenant,
             std::string_view user, std::string_view device);

} // namespace prescient::storage
