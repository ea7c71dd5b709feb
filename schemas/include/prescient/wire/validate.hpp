// Input validation at the edge. Every entry point (gateway RPC, trace
// readers, the client before it sends) calls these, so one set of limits
// decides what is acceptable everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "prescient/wire/event.hpp"

namespace prescient::limits {
constexpr size_t max_id_bytes = 256;          ///< tenant, user, device, app
constexpr size_t max_role_bytes = 64;
constexpr size_t max_batch_events = 10'000;   ///< per submitEvents call
constexpr double max_cpu_millicores = 1'024'000; ///< 1024 cores
constexpr double max_memory_mb = 16 * 1024 * 1024; ///< 16 TiB
constexpr double max_disk_iops = 10'000'000;
constexpr double max_network_mbps = 1'000'000;  ///< 1 Tbit/s
constexpr double max_gpus = 64;
constexpr double max_duration_ms = 366.0 * 24 * 3600 * 1000; ///< one year
} // namespace prescient::limits

namespace prescient {

/// Bounds on event time relative to a reference clock (the node's wall clock).
struct time_window {
  int64_t now_us = 0;
  int64_t max_age_us = 0;  ///< events older than now - max_age are refused
  int64_t max_skew_us = 0; ///< events newer than now + max_skew are refused
};

/// Returns a one-line reason when `id` is empty, too long or not printable
/// UTF-8-safe text (control characters are refused). `what` names the field.
std::optional<std::string> check_id(std::string_view what, std::string_view id,
                                    size_t max_bytes = limits::max_id_bytes);

/// Returns a one-line reason when the resources are not finite, negative or
/// beyond limits::max_*.
std::optional<std::string> check_resources(const resource_vector& r);

/// Returns a one-line reason when the event is unacceptable; nullopt if fine.
std::optional<std::string> check_event(const usage_event& e,
                                       const time_window& w);

std::optional<std::string> check_request(const resource_request& r,
                                         const time_window& w);

} // namespace prescient
