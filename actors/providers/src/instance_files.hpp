// The process provider's record of its children on disk (private), so that
// a provider created after a crash of the node finds the processes that
// survived it, lists them, and can release them: nothing leaks even when
// the destructor never ran. One small file per instance in the state
// directory, written atomically (temporary file + rename).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "prescient/wire/event.hpp"

namespace prescient::providers {

struct instance_file {
  std::string id;
  std::string app;
  std::string endpoint;
  pid_t pid = 0;
  /// The process's start time in clock ticks since boot (/proc/PID/stat),
  /// so that a reused pid is never mistaken for our child.
  uint64_t start_ticks = 0;
  resource_vector resources;
};

/// Start time of `pid` in clock ticks since boot; 0 when it does not exist
/// or is a zombie.
uint64_t process_start_ticks(pid_t pid);

/// Writes (or replaces) the record. Returns false on an I/O error.
bool write_instance_file(const std::string& dir, const instance_file& f);

/// Removes the record of `id`, if any.
void remove_instance_file(const std::string& dir, const std::string& id);

/// Every readable record in `dir` (created if missing); unreadable files
/// are removed.
std::vector<instance_file> read_instance_files(const std::string& dir);

} // namespace prescient::providers
