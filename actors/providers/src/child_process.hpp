// A spawned child in its own process group, talking lines over one end of
// a Unix socket pair that is its stdin, stdout and stderr (private). The
// calls never block, except wait_reap().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "prescient/providers/errors.hpp"

namespace prescient::providers {

struct child_process {
  pid_t pid = -1;  ///< also the id of its process group
  int fd = -1;     ///< our end of the socket pair; -1 once closed
  std::string partial;          ///< received bytes of an unfinished line
  std::deque<std::string> tail; ///< its last lines that were not protocol
  bool reaped = false;
  int status = 0; ///< waitpid status, once reaped
  /// Found after a restart, not our child: it cannot be waited for, so its
  /// end is seen when its pid no longer has this start time.
  bool adopted = false;
  uint64_t start_ticks = 0;
};

/// Starts `argv` (argv[0] looked up in PATH) with the provider's
/// environment plus `env`. Fails with spawn_failed and the errno text.
provider_error spawn_child(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env,
                           child_process& out);

/// The complete lines received since the last call, without '\n' (and
/// '\r'). Sets `eof` when the child closed its end (usually: it exited).
std::vector<std::string> read_lines(child_process& c, bool& eof);

/// Keeps `line` among the child's last few lines of other output.
void remember(child_process& c, std::string line);

/// Sends one line; false when the child is gone or its buffer is full.
bool send_line(child_process& c, const std::string& line);

/// Closes our end: the child reads end of file on its stdin.
void close_channel(child_process& c);

/// Sends `sig` to the child's whole process group.
void signal_group(const child_process& c, int sig);

/// If the child has exited: kills what is left of its group, reaps it and
/// returns true. Otherwise false, at once.
bool try_reap(child_process& c);

/// Kills the group and reaps the child, waiting for it (SIGKILL cannot be
/// refused, so this is short).
void kill_and_reap(child_process& c);

/// "exited with status 3", "killed by signal 9".
std::string describe_exit(int status);

/// "exited with status 3; last output: ..." for error messages.
std::string describe_end(const child_process& c);

} // namespace prescient::providers
