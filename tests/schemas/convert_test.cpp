// Value types survive the trip through Cap'n Proto unchanged, and location
// is dropped without consent.
#include <catch2/catch.hpp>

#include <capnp/message.h>

#include "prescient/wire/convert.hpp"

using namespace prescient;

TEST_CASE("an event round-trips through its wire form") {
  usage_event e;
  e.tenant = "acme";
  e.user = "bob";
  e.device = "bob-phone";
  e.app = "vdi-desktop";
  e.kind = event_kind::close;
  e.time_us = 1'700'000'000'123'456;
  e.session = 42;
  e.usage = {1234.5, 2048, 17, 3.25, 1};
  e.duration_ms = 98'765;
  e.location_consent = true;
  e.location = geo_location{52.52, 13.405};
  e.role = "analyst";
  capnp::MallocMessageBuilder msg;
  auto b = msg.initRoot<schema::UsageEvent>();
  wire::to_capnp(e, b);
  auto back = wire::from_capnp(b.asReader());
  CHECK(back.tenant == e.tenant);
  CHECK(back.user == e.user);
  CHECK(back.device == e.device);
  CHECK(back.app == e.app);
  CHECK(back.kind == e.kind);
  CHECK(back.time_us == e.time_us);
  CHECK(back.session == e.session);
  CHECK(back.usage.cpu_millicores == e.usage.cpu_millicores);
  CHECK(back.usage.network_mbps == e.usage.network_mbps);
  CHECK(back.usage.gpus == e.usage.gpus);
  CHECK(back.duration_ms == e.duration_ms);
  REQUIRE(back.location);
  CHECK(back.location->latitude == 52.52);
  CHECK(back.role == "analyst");

  // Without consent the location never reaches the value type.
  b.setLocationConsent(false);
  CHECK_FALSE(wire::from_capnp(b.asReader()).location);
}

TEST_CASE("requests, grants and admin answers round-trip") {
  capnp::MallocMessageBuilder msg;
  resource_request r{"demo", "u", "d", "ide", "us-east", 99, {1, 2, 3, 4, 0.5}};
  auto rb = msg.initRoot<schema::ResourceRequest>();
  wire::to_capnp(r, rb);
  auto r2 = wire::from_capnp(rb.asReader());
  CHECK(r2.region == "us-east");
  CHECK(r2.resources.gpus == 0.5);

  capnp::MallocMessageBuilder gm;
  grant g{"eu-west-1", "eu-west-1-7", grant_path::shadow, 123, "10.0.0.1:22"};
  auto gb = gm.initRoot<schema::Grant>();
  wire::to_capnp(g, gb);
  auto g2 = wire::from_capnp(gb.asReader());
  CHECK(g2.instance == "eu-west-1-7");
  CHECK(g2.path == grant_path::shadow);
  CHECK(g2.endpoint == "10.0.0.1:22");

  capnp::MallocMessageBuilder sm;
  user_summary s;
  s.tenant = "demo";
  s.user = "u";
  s.found = true;
  s.events = 10;
  s.devices = {"a", "b"};
  s.top_apps = {{"ide", 7, 2}};
  s.activity_class = "regular";
  auto sb = sm.initRoot<schema::UserSummary>();
  wire::to_capnp(s, sb);
  auto s2 = wire::from_capnp(sb.asReader());
  CHECK(s2.devices == s.devices);
  REQUIRE(s2.top_apps.size() == 1);
  CHECK(s2.top_apps[0].launches == 2);
  CHECK(s2.activity_class == "regular");
}
