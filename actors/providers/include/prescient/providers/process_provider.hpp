// Local processes as instances: an app template is a command line, a warm
// instance is a spawned process that has run its warm-up steps and waits,
// the cold path spawns one for a waiting request, a grant hands over the
// endpoint the process printed. Latencies are real (monotonic clock).
//
// The line protocol on the child's stdin/stdout is documented at
// app_template. Each child runs in its own process group, so a release
// reaches whatever it started too: SIGTERM to the group, SIGKILL after the
// grace period, then reaped (no zombies). shutdown() and the destructor do
// the same for every child and wait for them, bounded by the grace period,
// so no process outlives the provider object. If the whole program dies
// instead, each child sees end of file on its stdin and is expected to exit;
// for children that do not, a provider with a state directory keeps one
// record per child there, and the next provider on that directory adopts
// the survivors: list() shows them (as handed_over, with their endpoint:
// the provider cannot tell whether they were granted), and release() kills
// them, so the restarted broker keeps what its ledger knows and nothing
// leaks.
//
// Spawning is posix_spawnp (no fork of a large, multi-threaded broker
// process); the child's stdin, stdout and stderr are one end of a Unix
// socket pair, written with MSG_NOSIGNAL so that a dead child never raises
// SIGPIPE in the broker.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "prescient/providers/provider.hpp"

namespace prescient::providers {

class instance_table;

struct process_config {
  /// The resource budget of instances on this machine.
  resource_vector capacity;                        // Default: all 0
  /// SIGTERM → SIGKILL.
  std::chrono::milliseconds grace{2000};           // Default: 2 s
  /// What next_poll() suggests while a child is starting, warming or dying.
  std::chrono::milliseconds poll_interval{5};      // Default: 5 ms
  /// Extra environment "NAME=value" for every child, on top of the
  /// provider's own and PRESCIENT_INSTANCE=<instance id>.
  std::vector<std::string> environment;
  /// Where the records of live children are kept (created if missing; its
  /// parent must exist), for adoption after a crash. One provider per
  /// directory at a time.
  std::string state_dir;                           // Default: "" = none
};

class process_provider final : public provider {
public:
  /// Adopts the survivors recorded in cfg.state_dir, if set.
  explicit process_provider(process_config cfg);
  /// shutdown(): no child outlives the provider.
  ~process_provider() override;

  process_provider(const process_provider&) = delete;
  process_provider& operator=(const process_provider&) = delete;

  resource_vector capacity() const override;
  resource_vector used() const override;
  /// Spawns now; fails at once with spawn_failed when the command cannot be
  /// executed (e.g. not found), with the errno text.
  provider_error provision_warm(const app_template& app, const std::string& id,
                                time_us now) override;
  provider_error provision_cold(const app_template& app, const std::string& id,
                                time_us now) override;
  /// Reads the children's lines, sends warm-up steps, enforces start and
  /// step timeouts, reaps exits. A child that exits (or times out, or fails
  /// a step) before it is ready, or dies after, is reported failed, with its
  /// exit status and its last output lines in the message.
  std::vector<provider_event> poll(time_us now) override;
  std::optional<time_us> next_poll(time_us now) const override;
  outcome<handover> hand_over(const std::string& id, time_us now) override;
  provider_error release(const std::string& id, time_us now) override;
  std::vector<instance_info> list() const override;
  /// SIGTERM to every child, waits up to the grace, SIGKILL, reaps. Blocks
  /// for at most about the grace period.
  void shutdown() override;

  /// Children released but not reaped yet (dying within their grace).
  size_t dying() const noexcept;

  /// The provider's monotonic clock, in microseconds.
  static time_us now_us();

private:
  struct child;

  provider_error provision(const app_template& app, const std::string& id,
                           bool warm);
  /// Advances one live child; false when it failed (error set).
  bool advance(const std::string& id, child& c, time_us now,
               provider_error& error);
  void finish_dying(time_us now, bool force);
  void adopt_survivors();
  /// Records the child in the state directory (if any); false if the
  /// record could not be written.
  bool record(const std::string& id, const child& c);
  void forget(const std::string& id);

  process_config cfg_;
  std::unique_ptr<instance_table> table_;
  std::map<std::string, std::unique_ptr<child>> children_; // live, by id
  std::vector<std::unique_ptr<child>> dying_;              // released
};

} // namespace prescient::providers
