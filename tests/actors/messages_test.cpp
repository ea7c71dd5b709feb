// Every payload can cross nodes: CAF binary serialization round trips.
#include <catch2/catch.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "prescient/actors/messages.hpp"

using namespace prescient;

namespace {

template <class T>
T round_trip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE_FALSE(sink(x));
  T y;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE_FALSE(source(y));
  return y;
}

} // namespace

TEST_CASE("events, grants and summaries serialize") {
  usage_event e;
  e.tenant = "demo";
  e.user = "u";
  e.device = "d";
  e.app = "render";
  e.kind = event_kind::close;
  e.time_us = 123;
  e.usage = {1, 2, 3, 4, 5};
  e.location_consent = true;
  e.location = geo_location{1.5, -2.5};
  auto e2 = round_trip(e);
  CHECK(e2.kind == event_kind::close);
  CHECK(e2.usage.gpus == 5);
  REQUIRE(e2.location);
  CHECK(e2.location->longitude == -2.5);
  e.location.reset();
  CHECK_FALSE(round_trip(e).location);

  grant g{"dc", "dc-1", grant_path::shadow, 17, "127.0.0.1:9", 250};
  auto g2 = round_trip(g);
  CHECK(g2.path == grant_path::shadow);
  CHECK(g2.decision_latency_us == 17);
  CHECK(g2.endpoint == "127.0.0.1:9");
  CHECK(g2.wait_us == 250);

  user_summary s;
  s.user = "u";
  s.top_apps = {{"ide", 3, 1}};
  CHECK(round_trip(s).top_apps.at(0).app == "ide");

  std::vector<anomaly> flags{{"demo", "u", "", "request_burst", 42, "12.0 uses"},
                             {"", "", "dc-a", "demand_outside_forecast", 7, "60 requests"}};
  auto flags2 = round_trip(flags);
  REQUIRE(flags2.size() == 2);
  CHECK(flags2[0].reason == "12.0 uses");
  CHECK(flags2[1].data_center == "dc-a");
  CHECK(flags2[1].time_us == 7);
}
