#include "prescient/wire/validate.hpp"

#include <cmath>

namespace prescient {

namespace {

std::optional<std::string> check_value(const char* what, double v, double max) {
  if (!std::isfinite(v))
    return std::string(what) + " is not a finite number";
  if (v < 0)
    return std::string(what) + " is negative (" + std::to_string(v) + ")";
  if (v > max)
    return std::string(what) + " is " + std::to_string(v) + ", above the limit "
           + std::to_string(max);
  return std::nullopt;
}

std::optional<std::string> check_time(int64_t t, const time_window& w) {
  if (t <= 0)
    return "event time " + std::to_string(t) + " µs is not after the epoch";
  if (w.max_age_us > 0 && t < w.now_us - w.max_age_us)
    return "event time " + std::to_string(t) + " µs is more than "
           + std::to_string(w.max_age_us / 1'000'000) + " s in the past";
  if (w.max_skew_us > 0 && t > w.now_us + w.max_skew_us)
    return "event time " + std::to_string(t) + " µs is more than "
           + std::to_string(w.max_skew_us / 1'000'000) + " s in the future";
  return std::nullopt;
}

} // namespace

std::optional<std::string> check_id(std::string_view what, std::string_view id,
                                    size_t max_bytes) {
  if (id.empty())
    return std::string(what) + " is empty";
  if (id.size() > max_bytes)
    return std::string(what) + " is " + std::to_string(id.size())
           + " bytes, above the limit of " + std::to_string(max_bytes);
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7f)
      return std::string(what) + " contains a control character";
  return std::nullopt;
}

std::optional<std::string> check_resources(const resource_vector& r) {
  if (auto e = check_value("cpuMillicores", r.cpu_millicores,
                           limits::max_cpu_millicores))
    return e;
  if (auto e = check_value("memoryMb", r.memory_mb, limits::max_memory_mb))
    return e;
  if (auto e = check_value("diskIops", r.disk_iops, limits::max_disk_iops))
    return e;
  if (auto e = check_value("networkMbps", r.network_mbps,
                           limits::max_network_mbps))
    return e;
  if (auto e = check_value("gpus", r.gpus, limits::max_gpus))
    return e;
  return std::nullopt;
}

std::optional<std::string> check_event(const usage_event& e,
                                       const time_window& w) {
  if (auto r = check_id("tenant", e.tenant)) return r;
  if (auto r = check_id("user", e.user)) return r;
  if (auto r = check_id("device", e.device)) return r;
  if (auto r = check_id("app", e.app)) return r;
  if (!e.role.empty())
    if (auto r = check_id("role", e.role, limits::max_role_bytes)) return r;
  if (static_cast<uint8_t>(e.kind) > static_cast<uint8_t>(event_kind::heartbeat))
    return "kind " + std::to_string(static_cast<int>(e.kind)) + " is unknown";
  if (auto r = check_time(e.time_us, w)) return r;
  if (auto r = check_resources(e.usage)) return r;
  if (auto r = check_value("durationMs", e.duration_ms, limits::max_duration_ms))
    return r;
  if (e.location) {
    const auto& l = *e.location;
    if (!std::isfinite(l.latitude) || l.latitude < -90 || l.latitude > 90)
      return std::string("location latitude is outside -90..90");
    if (!std::isfinite(l.longitude) || l.longitude < -180 || l.longitude > 180)
      return std::string("location longitude is outside -180..180");
  }
  return std::nullopt;
}

std::optional<std::string> check_request(const resource_request& q,
                                         const time_window& w) {
  if (auto r = check_id("tenant", q.tenant)) return r;
  if (auto r = check_id("user", q.user)) return r;
  if (auto r = check_id("device", q.device)) return r;
  if (auto r = check_id("app", q.app)) return r;
  if (!q.region.empty())
    if (auto r = check_id("region", q.region)) return r;
  if (auto r = check_time(q.time_us, w)) return r;
  return check_resources(q.resources);
}

} // namespace prescient
