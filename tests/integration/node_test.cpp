// A real prescientd driven through the client library: ingest, admin
// queries, grants and releases, graceful stop and restart.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace prescient;
using prescient::it::make_event;
using prescient::it::node_fixture;

TEST_CASE("acknowledged events are stored and summarised per user", "[integration]") {
  node_fixture f;
  client c(f.client_opts());
  std::vector<usage_event> events;
  for (int u = 0; u < 10; ++u)
    for (int i = 0; i < 100; ++i)
      events.push_back(make_event("user-" + std::to_string(u), i));
  c.submit(events);
  c.flush();
  REQUIRE(c.acknowledged() == 1000);

  auto s = c.user("demo", "user-3");
  CHECK(s.found);
  CHECK(s.events == 100);
  CHECK(s.stored_events == 100);
  REQUIRE(s.devices.size() == 1);
  CHECK(s.devices[0] == "user-3-laptop");
  REQUIRE(s.top_apps.size() == 3);
  CHECK(s.top_apps[0].events == 34); // "ide": seq % 3 == 0
  CHECK(s.top_apps[0].app == "ide");
  CHECK(s.top_apps[0].launches == 34);
  CHECK(s.first_event_us == events[300].time_us);
  CHECK(s.last_event_us == events[399].time_us);

  auto st = c.status();
  CHECK(st.node_id == "test-node");
  CHECK(st.events_ingested == 1000);
  CHECK(st.shards == 8);
  CHECK(st.data_centers.size() == 3);
  CHECK(st.rss_bytes > 0);

  auto missing = c.user("demo", "nobody");
  CHECK_FALSE(missing.found);
  CHECK(missing.events == 0);
}

TEST_CASE("requests go to the nearest allowed data center", "[integration]") {
  node_fixture f;
  client c(f.client_opts());
  auto r = it::make_request("alice", "ide", "us-east", 2000, 4096);
  auto g = c.request(r);
  CHECK(g.data_center == "us-east-1");
  CHECK(g.path == grant_path::reactive);
  CHECK_FALSE(g.instance.empty());
  CHECK(g.decision_latency_us >= 0);

  // acme may only use eu-west; the cheaper eu-west DC is farther, so the
  // nearer one (eu-west-1, 80 ms vs 85 ms from us-east) wins.
  r.tenant = "acme";
  auto ga = c.request(r);
  CHECK(ga.data_center == "eu-west-1");

  auto st = c.status();
  for (auto& dc : st.data_centers)
    if (dc.name == "us-east-1") {
      CHECK(dc.instances_granted == 1);
      CHECK(dc.cpu_used_millicores == Approx(2000));
    }

  c.release("demo", "alice", g);
  // Releasing twice, or someone else's instance, is refused.
  try {
    c.release("demo", "alice", g);
    FAIL("second release succeeded");
  } catch (const client_error& e) {
    CHECK(e.kind() == client_error::code::rejected);
    CHECK(std::string(e.what()).find("not granted") != std::string::npos);
  }
  CHECK_THROWS_AS(c.release("demo", "mallory", ga), client_error);
  c.release("acme", "alice", ga);

  auto k = c.node_kpis();
  CHECK(k.requests == 2);
  CHECK(k.grants_reactive == 2);
  CHECK(k.cold_starts == 2);
  CHECK(k.releases == 2);
  CHECK(k.hit_rate == 0);
  CHECK(k.decision_latency_p99_us > 0);
}

TEST_CASE("a full data center spills over, and none left is a clear error",
          "[integration]") {
  node_fixture f("", 1000); // 1 core per data center
  client c(f.client_opts());
  auto r = it::make_request("bob", "render", "eu-west", 800, 512);
  std::vector<grant> grants;
  for (int i = 0; i < 3; ++i)
    grants.push_back(c.request(r));
  CHECK(grants[0].data_center == "eu-west-1");
  CHECK(grants[1].data_center == "eu-west-2");
  CHECK(grants[2].data_center == "us-east-1");
  try {
    c.request(r);
    FAIL("granted beyond capacity");
  } catch (const client_error& e) {
    CHECK(e.kind() == client_error::code::rejected);
    CHECK(std::string(e.what()).find("no allowed data center has room")
          != std::string::npos);
  }
  c.release("demo", "bob", grants[0]);
  CHECK(c.request(r).data_center == "eu-west-1");
}

TEST_CASE("SIGTERM stops cleanly and a restart keeps everything", "[integration]") {
  node_fixture f;
  grant g;
  {
    client c(f.client_opts());
    std::vector<usage_event> events;
    for (int i = 0; i < 500; ++i)
      events.push_back(make_event("carol", i));
    c.submit(events);
    c.flush();
    auto r = it::make_request("carol", "ide", "", 1000, 1024);
    g = c.request(r);
  }
  REQUIRE(f.node->terminate() == 0);
  CHECK(f.node->log().find("stopped cleanly") != std::string::npos);
  f.node->restart();
  client c(f.client_opts());
  auto s = c.user("demo", "carol");
  CHECK(s.events == 500);
  CHECK(s.stored_events == 500);
  // The broker restored its ledger: the grant is still out, and releasable.
  auto st = c.status();
  uint64_t granted = 0;
  for (auto& dc : st.data_centers)
    granted += dc.instances_granted;
  CHECK(granted == 1);
  c.release("demo", "carol", g);
}
