// What a provider starts: an app template. The same template serves both
// providers; the simulated one uses only its name, warm-up steps and
// resources, the process provider also its command line and time limits.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "prescient/wire/event.hpp"

namespace prescient::providers {

/// An app as a provider can start it.
///
/// The process protocol (local-process provider), one line each way,
/// '\n'-terminated, on the child's stdin and stdout (stderr joins stdout):
///   1. the provider starts `command` in its own process group; the child
///      starts up and prints `READY <endpoint>` once it serves requests at
///      <endpoint> (free text without newline: "127.0.0.1:4711",
///      "unix:/run/x.sock"); any other line is ignored (kept for errors);
///   2. a warm instance is then sent its warm-up steps, one line each; after
///      each the child prints `OK`, or `FAIL <reason>` to refuse;
///   3. the instance is warm (ready to hand over) after the last `OK`; a
///      cold instance has no step sent and is ready at `READY`;
///   4. on release the group gets SIGTERM, then SIGKILL after a grace. A
///      child should also exit when its stdin reaches end of file: that is
///      how it learns that the provider's process is gone.
/// With `ready_probe` set, `READY` may come without an endpoint; the probe
/// decides readiness instead (see below) and `ready_probe`'s address is the
/// endpoint.
struct app_template {
  std::string name;                  ///< app id, as in requests; not empty
  std::vector<std::string> command;  ///< argv; argv[0] is looked up in PATH
  /// Shadow execution: lines sent to a warm instance before any request.
  /// An app with steps is granted on grant_path::shadow.
  std::vector<std::string> warmup_steps;
  resource_vector resources;         ///< what one instance holds
  /// Optional readiness check "tcp:HOST:PORT": the instance is started
  /// once a TCP connection to it succeeds (tried at each poll), for apps that
  /// cannot print READY. Empty = the READY line decides.
  std::string ready_probe;
  /// From spawn to READY (or the probe's success).
  std::chrono::milliseconds start_timeout{10'000}; // Default: 10 s
  /// Per warm-up step, from sending it to its OK.
  std::chrono::milliseconds step_timeout{10'000};  // Default: 10 s
};

} // namespace prescient::providers
