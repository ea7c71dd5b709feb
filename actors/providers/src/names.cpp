// Names of the providers' enums, for messages and logs.
#include "prescient/providers/errors.hpp"
#include "prescient/providers/provider.hpp"

namespace prescient::providers {

const char* to_string(provider_errc x) noexcept {
  switch (x) {
    case provider_errc::none: return "none";
    case provider_errc::no_capacity: return "no_capacity";
    case provider_errc::duplicate_instance: return "duplicate_instance";
    case provider_errc::unknown_instance: return "unknown_instance";
    case provider_errc::not_ready: return "not_ready";
    case provider_errc::already_handed_over: return "already_handed_over";
    case provider_errc::bad_template: return "bad_template";
    case provider_errc::spawn_failed: return "spawn_failed";
    case provider_errc::exited_early: return "exited_early";
    case provider_errc::step_failed: return "step_failed";
    case provider_errc::timed_out: return "timed_out";
    case provider_errc::shut_down: return "shut_down";
  }
  return "?";
}

const char* to_string(instance_state x) noexcept {
  switch (x) {
    case instance_state::starting: return "starting";
    case instance_state::warming: return "warming";
    case instance_state::ready: return "ready";
    case instance_state::handed_over: return "handed_over";
  }
  return "?";
}

} // namespace prescient::providers
