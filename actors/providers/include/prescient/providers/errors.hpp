// Errors of the providers: one documented enum, and a value-or-error result
// for the calls that return something. Plain C++ (no CAF): the broker turns a
// provider_error into its own broker_errc at its edge.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace prescient::providers {

enum class provider_errc {
  none = 0,           ///< success
  no_capacity,        ///< the instance's resources do not fit what is left
  duplicate_instance, ///< the instance id is already in use
  unknown_instance,   ///< no such instance (never provisioned, or released)
  not_ready,          ///< the instance is still starting or warming up
  already_handed_over,///< a grant is given exactly once
  bad_template,       ///< e.g. an empty command line
  spawn_failed,       ///< the command could not be started (errno in message)
  exited_early,       ///< the process ended before it was ready
  step_failed,        ///< a warm-up step answered something other than OK
  timed_out,          ///< start-up or a warm-up step took longer than allowed
  shut_down,          ///< the provider was shut down
};

/// Name of the value, e.g. "no_capacity".
const char* to_string(provider_errc) noexcept;

/// An error code and a one-line human reason. Default = success.
struct provider_error {
  provider_errc code = provider_errc::none;
  std::string message;

  /// True when this is an error.
  explicit operator bool() const noexcept {
    return code != provider_errc::none;
  }
};

/// A value or a provider_error (C++17 has no std::expected).
template <class T>
class outcome {
public:
  outcome(T value) : value_(std::move(value)) {
    // nop
  }
  outcome(provider_error err) : error_(std::move(err)) {
    // nop
  }

  explicit operator bool() const noexcept {
    return value_.has_value();
  }
  /// REQUIRES: *this holds a value.
  T& operator*() {
    return *value_;
  }
  T* operator->() {
    return &*value_;
  }
  /// Success when *this holds a value.
  const provider_error& error() const noexcept {
    return error_;
  }

private:
  std::optional<T> value_;
  provider_error error_;
};

} // namespace prescient::providers
