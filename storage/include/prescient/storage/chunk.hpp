// Compressed chunks of one device's events in one 2-hour bucket of event
// time, Gorilla style (Pelkonen et al., VLDB 2015): timestamps as
// delta-of-delta, measured values XOR'd with the previous value, each with
// variable bit widths, in one row-interleaved bitstream.
//
// Lossy by design: the six measured values are quantised before XOR (see
// `precision`) because float noise below those steps carries no signal for
// prediction or provisioning, and integers XOR to far fewer meaningful bits
// than doubles; that is what keeps a heartbeat near 10 bytes. Timestamps,
// kind, app, session and location (as doubles) round-trip exactly. Role is
// not stored (it is a user attribute, kept in the profile), nor is
// location_consent: a decoded event has a location only if one was stored,
// and location_consent is true exactly then.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "prescient/storage/activity_class.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::storage {

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

/// Version byte at the start of every chunk value.
constexpr uint8_t chunk_format_version = 1;

/// Fixed header: version (1 B), activity class (1 B), bucket start (8 B
/// little-endian), event count (4 B little-endian); the bitstream follows.
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
/// events. Memory: about 250 bytes plus the encoded bytes (~10-12 B per
/// event, so ~1.8 KiB for a full 2 h bucket at one event per minute)
/// plus the app names; the buffer grows by ~25 %, never doubles. To bound
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

private:
  /// Gorilla XOR state of one 64-bit stream: previous value and the
  /// window (leading/trailing zero counts) of the last explicit encoding.
  struct xor_state {
    uint64_t prev = 0;
    uint8_t lead = 0xFF; // 0xFF: no window yet
    uint8_t trail = 0;
  };

  void put_bits(uint64_t value, unsigned count);
  void put_varwidth(uint64_t value, uint8_t& width);
  void put_xor(uint64_t value, xor_state& st);
  void put_app(const std::string& app);

  std::vector<char> buf_; // header + bitstream; last byte partially filled
  std::vector<std::string> apps_; // per-chunk dictionary, in first-use order
  int64_t first_time_us_;
  int64_t bucket_start_us_;
  int64_t prev_time_us_;
  int64_t prev_delta_us_ = 0;
  uint64_t prev_session_ = 0;
  xor_state values_[6];
  xor_state lat_;
  xor_state lon_;
  uint32_t events_ = 0;
  uint16_t prev_app_ = 0xFFFF; // index into apps_; 0xFFFF: none yet
  uint8_t free_bits_ = 0;      // unused low bits of buf_.back()
  uint8_t width_us_ = 0;       // varwidth state, delta-of-delta in µs
  uint8_t width_ms_ = 0;       // ... in whole ms
  uint8_t width_session_ = 0;
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
