// The edge's limits: every rule of check_event / check_request / check_id.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "prescient/wire/validate.hpp"

using namespace prescient;

namespace {

constexpr int64_t now = 1'800'000'000'000'000;
const time_window window{now, 30 * 86'400'000'000LL, 300'000'000};

usage_event good() {
  usage_event e;
  e.tenant = "demo";
  e.user = "u1";
  e.device = "d1";
  e.app = "ide";
  e.kind = event_kind::heartbeat;
  e.time_us = now - 1'000'000;
  e.usage = {500, 1024, 10, 1.5, 0};
  e.duration_ms = 60'000;
  return e;
}

std::string reason(const usage_event& e) {
  auto r = check_event(e, window);
  return r ? *r : "";
}

} // namespace

TEST_CASE("a valid event passes") {
  CHECK_FALSE(check_event(good(), window));
  auto e = good();
  e.location = geo_location{48.1, 11.6};
  e.role = "engineer";
  CHECK_FALSE(check_event(e, window));
}

TEST_CASE("ids must be present, bounded and printable") {
  auto e = good();
  e.user.clear();
  CHECK(reason(e) == "user is empty");
  e = good();
  e.tenant = std::string(257, 't');
  CHECK(reason(e) == "tenant is 257 bytes, above the limit of 256");
  e = good();
  e.app = std::string("a\x01", 2);
  CHECK(reason(e) == "app contains a control character");
  e = good();
  e.role = std::string(65, 'r');
  CHECK(reason(e).find("role is 65 bytes") == 0);
  CHECK_FALSE(check_id("x", std::string(256, 'x')));
}

TEST_CASE("values must be finite, non-negative and plausible") {
  auto e = good();
  e.usage.cpu_millicores = std::numeric_limits<double>::quiet_NaN();
  CHECK(reason(e) == "cpuMillicores is not a finite number");
  e = good();
  e.usage.network_mbps = -0.5;
  CHECK(reason(e).find("networkMbps is negative") == 0);
  e = good();
  e.usage.gpus = 65;
  CHECK(reason(e).find("gpus is 65") == 0);
  e = good();
  e.duration_ms = std::numeric_limits<double>::infinity();
  CHECK(reason(e) == "durationMs is not a finite number");
  e = good();
  e.location = geo_location{0, 181};
  CHECK(reason(e) == "location longitude is outside -180..180");
  e = good();
  e.kind = static_cast<event_kind>(7);
  CHECK(reason(e) == "kind 7 is unknown");
}

TEST_CASE("event time must fall inside the window") {
  auto e = good();
  e.time_us = now + 301'000'000;
  CHECK(reason(e).find("in the future") != std::string::npos);
  e.time_us = now - 31 * 86'400'000'000LL;
  CHECK(reason(e).find("in the past") != std::string::npos);
  e.time_us = -5;
  CHECK(reason(e).find("not after the epoch") != std::string::npos);
  // No window: only the epoch rule applies.
  e.time_us = 1;
  CHECK_FALSE(check_event(e, time_window{}));
}

TEST_CASE("requests are checked like events") {
  resource_request r{"demo", "u1", "d1", "ide", "eu-west", now, {1000, 512, 0, 0, 0}};
  CHECK_FALSE(check_request(r, window));
  r.region = std::string("eu\twest");
  CHECK(*check_request(r, window) == "region contains a control character");
  r.region.clear(); // empty region = any
  r.resources.memory_mb = 1e12;
  CHECK(check_request(r, window)->find("memoryMb is") == 0);
}
