// Synthetic usage workload: a deterministic stream of usage events from a
// population of simulated users with learnable habits.
//
// It is the default workload of the demo job, the benchmarks and the tests,
// and the training data of the prediction models, so its structure is
// deliberate:
//
// - Users have a type that fixes their daily and weekly cycle, in their own
//   timezone (derived from their home region):
//     office   weekdays ~09:00-12:30 and ~13:15-17:30, rare weekend sessions
//     gamer    weekday evenings, weekend afternoons and evenings
//     batch    night sessions (~22:00-04:00) starting long GPU/CPU jobs
//     service  around the clock, one short job routine every ~hour, a bit
//              denser in business hours
// - At the start of a session a user runs one of a few personal app routines
//   (e.g. mail -> ide -> terminal -> browser); the first session of the day
//   favours the user's "morning" routine. Each step is replaced by a random
//   app of the user's pool with probability `noise`.
// - Each app run emits, in this order:
//     request    (with `request_share`) the capacity asked for: the app's
//                requested resources in `usage`;
//     launch     0.5-4 s after the request (when there is one);
//     heartbeat  every heartbeat_interval (+-jitter) while the run lasts;
//                usage is a sample: log-normal around the user's per-app
//                level, slowly varying (AR(1)) within the run; duration_ms
//                is the time since the previous sample;
//     close      duration_ms = run time, usage = mean of the samples.
//   Request before launch: capacity has to be granted before an app can
//   start, and a predictor must guess a request before it sees it.
// - Occasional bursts: within a session, many short runs of one app seconds
//   apart (builds, render frames, queue drains).
// - A share of users joins part-way (new_user_share) and a share stops
//   part-way (churn_share).
// - Session ids count up per user from 1; a user's next session starts only
//   after every run of the previous one closed, so session ids never go down
//   in a user's event stream.
//
// Scale: a user costs ~56 bytes plus 12 bytes of heap entry, a running app
// 48 + 12 bytes; user habits (routines, per-app resource levels, devices,
// location, day plans) are derived on demand from hash(seed, user, ...).
// Memory follows concurrency: 1M users need ~80 MB at night and ~220 MB at
// the busiest hour (~2.7 open runs per user when office hours of both default
// regions overlap). Generation runs at ~2.5M events/s for small populations
// and ~1M events/s at 1M users (heap cache misses), single-threaded.
//
// Determinism: the same options give the same sequence (own RNG and
// samplers; no std:: distributions, whose output differs between standard
// libraries). A user's behaviour depends only on (seed, user index, options),
// not on how many other users there are. Not thread-safe; use one generator
// per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prescient/wire/event.hpp"

namespace prescient::workload {

/// 2024-01-01T00:00:00Z, a Monday.
constexpr int64_t default_start_us = 1'704'067'200'000'000;

struct workload_options {
  /// Everything random derives from this.
  uint64_t seed = 42; // Default: 42
  /// Number of simulated users (ids user_id(0) .. user_id(users-1)).
  size_t users = 1000; // Default: 1000
  /// Tenants users are spread over (hash of the user, uniform). Non-empty.
  std::vector<std::string> tenants = {"demo"}; // Default: {"demo"}
  /// Home regions users are spread over (first ones more popular).
  /// Timezones and locations follow well-known region names (eu-*, us-east,
  /// us-west, ap-*, sa-*, ...); unknown names get a timezone from their hash.
  std::vector<std::string> regions = {"eu-west", "us-east"}; // Default: {"eu-west", "us-east"}
  /// Event time of the start of the trace, µs since the Unix epoch (> 0).
  int64_t start_us = default_start_us; // Default: 2024-01-01T00:00Z (Monday)
  /// Length of the trace; no event is later than start_us + duration_us.
  /// Runs still open at the end get no close event (the trace is cut).
  int64_t duration_us = 2 * 86'400'000'000LL; // Default: 2 days
  /// Share of users who join part-way: their first session is after a
  /// uniformly drawn time in the trace.
  double new_user_share = 0.1; // Default: 0.1
  /// Share of users who stop part-way: no session starts after a uniformly
  /// drawn time (runs in progress still finish).
  double churn_share = 0.1; // Default: 0.1
  /// Time between heartbeats of a running app (>= 1 ms).
  int64_t heartbeat_interval_us = 60'000'000; // Default: 60 s
  /// Each heartbeat interval is scaled by 1 + U(-jitter, +jitter), in [0, 0.9].
  double heartbeat_jitter = 0.1; // Default: 0.1
  /// Share of app runs preceded by a request event (others only launch, as
  /// on capacity the user already holds), in [0, 1].
  double request_share = 1.0; // Default: 1.0
  /// Probability that a routine step is replaced by a random app, in [0, 1].
  double noise = 0.15; // Default: 0.15
  /// Probability that a session contains a burst (8-40 short runs of one
  /// app, seconds apart), scaled by user type (office 0.6, gamer 1, batch
  /// 1.5, service 0.15), >= 0.
  double burst_rate = 0.04; // Default: 0.04
  /// Share of users who consent to location; they carry a fixed-ish
  /// lat/lon near their home region. Others carry none.
  double location_share = 0.3; // Default: 0.3
  /// Mix of user types (relative weights, >= 0, not all 0).
  double office_weight = 0.5;  // Default: 0.5
  double gamer_weight = 0.2;   // Default: 0.2
  double batch_weight = 0.15;  // Default: 0.15
  double service_weight = 0.15; // Default: 0.15
};

enum class user_type : uint8_t { office = 0, gamer = 1, batch = 2, service = 3 };

const char* to_string(user_type) noexcept;

/// What the generator decided about one user; derived from (seed, index).
struct user_traits {
  user_type type = user_type::office;
  std::string tenant;
  std::string home_region;
  int tz_offset_minutes = 0;  ///< local time = UTC + offset
  std::string role;           ///< event role field
  std::vector<std::string> devices; ///< 1-3 device ids, primary first
  std::optional<geo_location> location; ///< set when the user consented
  int64_t active_from_us = 0; ///< no session starts before this
  int64_t active_until_us = 0; ///< no session starts at or after this
};

/// The app catalogue: ~40 names ("ide", "notebook", "ml-train", ...).
const std::vector<std::string>& app_catalogue();

class synthetic_workload {
public:
  /// Throws std::invalid_argument when the options are unusable.
  explicit synthetic_workload(workload_options opts);
  ~synthetic_workload();
  synthetic_workload(synthetic_workload&&) noexcept;
  synthetic_workload& operator=(synthetic_workload&&) noexcept;
  synthetic_workload(const synthetic_workload&) = delete;
  synthetic_workload& operator=(const synthetic_workload&) = delete;

  /// Writes the next event in global event-time order (ties broken
  /// deterministically) into `out`, reusing its string buffers. Returns false
  /// when the trace is over; `out` is then unchanged.
  bool next(usage_event& out);

  /// Number of simulated users.
  size_t users() const noexcept;
  /// Events returned by next() so far.
  uint64_t events_emitted() const noexcept;
  /// Time of the last event returned (start_us before the first).
  int64_t now_us() const noexcept;
  /// First µs after the trace.
  int64_t end_us() const noexcept;
  const workload_options& options() const noexcept;

  /// Traits of user `i` (< users()); computed on demand.
  user_traits traits(size_t i) const;
  /// Home region of the user named `user` (user_id form); empty if the name
  /// is not one of ours.
  std::string home_region(std::string_view user) const;

  /// Turns a request event of this workload into a resource request; region
  /// is the user's home region.
  resource_request to_request(const usage_event& request_event) const;

  /// "user-0000042": the id of user `i`. Fixed width up to 9,999,999.
  static std::string user_id(size_t i);
  /// Inverse of user_id; nullopt for other strings.
  static std::optional<size_t> user_index(std::string_view user);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace prescient::workload
