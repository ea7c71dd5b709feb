// What the process provider keeps per child (private), shared by its
// files: process_provider.cpp (start-up, steps, release) and
// process_records.cpp (the state directory and adoption after a crash).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "prescient/providers/process_provider.hpp"
#include "tcp_probe.hpp"

namespace prescient::providers {

struct process_provider::child {
  enum class phase_t { starting, warming, ready } phase = phase_t::starting;
  std::string id;
  child_process proc;
  std::vector<std::string> steps; // empty for a cold instance
  size_t acked = 0;               // steps answered OK
  std::optional<tcp_probe> probe;
  time_us step_timeout_us = 0;
  time_us deadline = 0; // of the current phase (start-up or step)
  time_us kill_at = 0;  // once released: SIGKILL then
};

} // namespace prescient::providers
