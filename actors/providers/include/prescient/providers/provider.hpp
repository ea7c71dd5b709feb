// A provider: where a data-center broker gets its instances from. Two
// implementations: simulated_provider (event time, drawn delays) and
// process_provider (local processes, real latencies).
//
// Asynchrony: polling, not callbacks. Every call returns at once; starting
// and warming up proceed in the background (drawn delays elapsing in event
// time, or a real child process), and the broker learns the outcome by
// calling poll(now), which returns what became ready or failed since the
// last poll. Why polling:
//   - a broker is an actor: a callback fired from another thread would have
//     to be marshalled into its mailbox anyway, and would make the provider
//     own a thread; with poll() the provider owns none, and every call runs
//     on the broker's own thread, so a provider needs no locks;
//   - the simulated provider is driven by event time, which only its caller
//     knows: nothing can fire until the caller says what time it is, and a
//     replay stays deterministic;
//   - next_poll() tells the broker when polling is next useful, so it can
//     schedule one delayed message (live) or jump there (replay) instead of
//     spinning.
// A broker therefore never blocks on a spawn: it calls provision_*, records
// the instance in its ledger, and polls on a timer until the ready event.
//
// Lifecycle of an instance:
//   provision_warm / provision_cold → starting → (warming: steps) → ready
//   ready → hand_over (exactly once) → handed_over → release → gone
//   any state → release → gone (capacity is free at once; a process may
//   take up to its grace period to die, which poll() finishes)
//   starting / warming → failed event from poll() → gone (capacity freed)
//
// Threading: not thread-safe; one caller (the broker) at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "prescient/providers/app_template.hpp"
#include "prescient/providers/errors.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::providers {

/// Microseconds. Event time for the simulated provider; the process
/// provider reads its own monotonic clock and ignores the arguments.
using time_us = int64_t;

enum class instance_state {
  starting,    ///< provisioned, not yet READY (or its cold start elapsing)
  warming,     ///< READY, running its warm-up steps
  ready,       ///< can be handed over
  handed_over, ///< granted; in use until released
};

const char* to_string(instance_state) noexcept;

/// One instance as the provider knows it (for list()).
struct instance_info {
  std::string id;
  std::string app;
  instance_state state = instance_state::starting;
  bool warm = false;        ///< provisioned by provision_warm
  resource_vector resources;
  std::string endpoint;     ///< known once READY; may stay empty (simulated)
  int64_t pid = 0;          ///< process group leader; 0 when not a process
};

/// What poll() reports. Failed instances are gone, their capacity free; an
/// instance can fail in any state (a process can die after it was ready).
struct provider_event {
  enum class kind_t { ready, failed } kind = kind_t::ready;
  std::string instance;
  provider_error error; ///< for failed
};

/// The result of a hand-over: everything a grant needs.
struct handover {
  std::string endpoint;
  /// prewarmed (warm, no steps), shadow (warm, ran warm-up steps) or
  /// reactive (provisioned cold).
  grant_path path = grant_path::reactive;
  int64_t startup_us = 0; ///< provision → started (READY): measured or drawn
  int64_t warmup_us = 0;  ///< started → warm-up steps done; 0 without steps
  /// What the request waited on the provider: a warm instance's hand-over
  /// delay, or for a cold one everything from provision_cold to hand_over.
  int64_t wait_us = 0;
};

class provider {
public:
  virtual ~provider() = default;

  /// Total capacity, and what live instances hold of it.
  virtual resource_vector capacity() const = 0;
  virtual resource_vector used() const = 0;

  /// Starts an instance of `app` that runs its warm-up steps and then waits
  /// to be handed over (a pre-warm or reserve instance). `id` is the
  /// caller's, unique among live instances (the broker's ledger key).
  /// Fails at once with no_capacity, duplicate_instance, bad_template,
  /// spawn_failed or shut_down; later failures come from poll().
  [[nodiscard]] virtual provider_error
  provision_warm(const app_template& app, const std::string& id, time_us now)
    = 0;

  /// The reactive path: starts an instance for a request that is waiting.
  /// No warm-up steps are run; hand it over as soon as poll() says ready.
  [[nodiscard]] virtual provider_error
  provision_cold(const app_template& app, const std::string& id, time_us now)
    = 0;

  /// Advances what is in progress up to `now`; returns what became ready or
  /// failed since the last call, in the order it happened. Also finishes
  /// releases (reaps processes). Never blocks.
  virtual std::vector<provider_event> poll(time_us now) = 0;

  /// When poll() is next useful (the earliest pending ready time or time
  /// limit), or nullopt when nothing is in progress. For a process
  /// provider, a short interval from `now` while children are starting.
  virtual std::optional<time_us> next_poll(time_us now) const = 0;

  /// Gives a ready instance to a request, exactly once. Fails with
  /// unknown_instance, not_ready or already_handed_over, or exited_early
  /// when it died since the last poll (which then reports it failed).
  [[nodiscard]] virtual outcome<handover> hand_over(const std::string& id,
                                                    time_us now)
    = 0;

  /// Stops the instance in whatever state and frees its capacity. Fails
  /// only with unknown_instance. Never blocks: a process gets SIGTERM now
  /// and SIGKILL at a later poll() after its grace.
  [[nodiscard]] virtual provider_error release(const std::string& id,
                                               time_us now)
    = 0;

  /// Every live instance, ordered by id: after a restart the broker releases
  /// those its ledger does not know, so nothing leaks.
  virtual std::vector<instance_info> list() const = 0;

  /// Releases everything and refuses new instances. May block up to the
  /// process provider's grace period. Idempotent; destructors call it.
  virtual void shutdown() = 0;
};

} // namespace prescient::providers
