// Bad input at every entry point of the node: each gets a clear one-line
// error, the node keeps serving, and nothing acknowledged before is lost.
// The RPC cases bypass the client library (which validates locally) and
// speak Cap'n Proto directly, as a buggy or hostile client would.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cmath>
#include <functional>
#include <limits>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <capnp/ez-rpc.h>

#include "fixture.hpp"
#include "prescient/schema/rpc.capnp.h"
#include "prescient/wire/convert.hpp"

using namespace prescient;
using prescient::it::make_event;
using prescient::it::node_fixture;

namespace {

// Sends one batch over raw RPC; returns "" on success, else the error text.
std::string raw_submit(uint16_t port, const std::vector<usage_event>& events,
                       std::function<void(schema::UsageEvent::Builder)> tweak = {}) {
  capnp::EzRpcClient rpc("127.0.0.1", port);
  auto& ws = rpc.getWaitScope();
  auto gw = rpc.getMain<schema::Node>().gatewayRequest().send().getGateway();
  auto req = gw.submitEventsRequest();
  auto list = req.initEvents(static_cast<unsigned>(events.size()));
  for (unsigned i = 0; i < events.size(); ++i)
    wire::to_capnp(events[i], list[i]);
  if (tweak)
    tweak(list[static_cast<unsigned>(events.size() - 1)]);
  try {
    req.send().wait(ws);
    return "";
  } catch (const kj::Exception& e) {
    return e.getDescription().cStr();
  }
}

std::string raw_request(uint16_t port, const resource_request& r) {
  capnp::EzRpcClient rpc("127.0.0.1", port);
  auto gw = rpc.getMain<schema::Node>().gatewayRequest().send().getGateway();
  auto req = gw.requestRequest();
  wire::to_capnp(r, req.initRequest());
  try {
    req.send().wait(rpc.getWaitScope());
    return "";
  } catch (const kj::Exception& e) {
    return e.getDescription().cStr();
  }
}

void send_raw_bytes(uint16_t port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  auto n = write(fd, bytes.data(), bytes.size());
  CHECK(n == static_cast<ssize_t>(bytes.size()));
  shutdown(fd, SHUT_WR);
  char buf[256];
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

} // namespace

TEST_CASE("bad events are refused one by one, losing nothing", "[integration][bad-input]") {
  node_fixture f;
  auto port = f.node->port();
  // Something acknowledged first, to check it survives every refusal.
  std::vector<usage_event> good;
  for (int i = 0; i < 50; ++i)
    good.push_back(make_event("dave", i));
  REQUIRE(raw_submit(port, good).empty());

  auto base = make_event("erin", 1);
  auto refuse = [&](std::function<void(usage_event&)> spoil, const std::string& reason) {
    auto e = base;
    spoil(e);
    std::vector<usage_event> batch{make_event("erin", 0), e};
    auto err = raw_submit(port, batch);
    INFO("expected: " << reason << " / got: " << err);
    CHECK(err.find("event 1: ") != std::string::npos);
    CHECK(err.find(reason) != std::string::npos);
  };
  refuse([](auto& e) { e.user.clear(); }, "user is empty");
  refuse([](auto& e) { e.user = std::string(300, 'x'); }, "above the limit of 256");
  refuse([](auto& e) { e.device = std::string("a\nb"); }, "device contains a control character");
  refuse([](auto& e) { e.app.clear(); }, "app is empty");
  refuse([](auto& e) { e.tenant = "nobody-inc"; }, "tenant 'nobody-inc' is not configured");
  refuse([](auto& e) { e.usage.cpu_millicores = std::nan(""); }, "cpuMillicores is not a finite number");
  refuse([](auto& e) { e.usage.memory_mb = -5; }, "memoryMb is negative");
  refuse([](auto& e) { e.usage.cpu_millicores = 1e15; }, "above the limit");
  refuse([](auto& e) { e.usage.gpus = std::numeric_limits<double>::infinity(); }, "gpus is not a finite number");
  refuse([](auto& e) { e.duration_ms = -1; }, "durationMs is negative");
  refuse([](auto& e) { e.time_us = it::now_us() + 86'400'000'000LL; }, "in the future");
  refuse([](auto& e) { e.time_us = it::now_us() - 60 * 86'400'000'000LL; }, "in the past");
  refuse([](auto& e) { e.time_us = 0; }, "not after the epoch");
  refuse(
    [](auto& e) {
      e.location_consent = true;
      e.location = geo_location{200, 0};
    },
    "latitude is outside");

  SECTION("an enum value this node does not know") {
    auto err = raw_submit(port, {base}, [](schema::UsageEvent::Builder b) {
      b.setKind(static_cast<schema::EventKind>(9));
    });
    CHECK(err.find("kind 9 is unknown") != std::string::npos);
  }
  SECTION("a batch above the limit") {
    std::vector<usage_event> big(10'001, base);
    auto err = raw_submit(port, big);
    CHECK(err.find("batch of 10001 events is above the limit of 10000")
          != std::string::npos);
  }
  SECTION("garbage and oversized frames on the socket") {
    send_raw_bytes(port, std::string(4096, '\xff'));
    // A frame header announcing one segment of 2^31 words.
    send_raw_bytes(port, std::string("\x00\x00\x00\x00\xff\xff\xff\x7f", 8));
  }
  SECTION("bad requests") {
    resource_request r;
    r.tenant = "demo";
    r.user = "erin";
    r.device = "erin-pc";
    r.app = "ide";
    r.time_us = it::now_us();
    r.resources.cpu_millicores = -1;
    CHECK(raw_request(port, r).find("cpuMillicores is negative") != std::string::npos);
    r.resources.cpu_millicores = 100;
    r.tenant = "ghost";
    CHECK(raw_request(port, r).find("tenant 'ghost' is not configured") != std::string::npos);
  }

  // Still serving, and what was acknowledged is all there.
  REQUIRE(raw_submit(port, {make_event("dave", 50)}).empty());
  client c(f.client_opts());
  auto s = c.user("demo", "dave");
  CHECK(s.events == 51);
  CHECK(s.stored_events == 51);
  CHECK_FALSE(c.user("demo", "erin").found);
  CHECK(c.node_kpis().events_rejected > 0);
}

TEST_CASE("prescientd refuses a bad configuration and names the key",
          "[integration][bad-input]") {
  auto dir = testkit::make_temp_dir("prescient-badcfg");
  auto check = [&](const std::string& extra, const std::string& expect) {
    auto cfg = testkit::write_config(dir, extra);
    auto r = it::run_bin("prescientd", {"--config", cfg});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(expect) != std::string::npos);
  };
  check("[ingest]\nmax_batch_event = 10\n", "ingest.max_batch_event");
  check("[profiles]\ncheckpoint_interval = 10\n", "profiles.checkpoint_interval");
  check("[policy]\nprewarm_threshold = 1.5\n", "policy.prewarm_threshold");
  check("[storage\n", "node.toml:");
  auto missing = it::run_bin("prescientd", {"--config", dir + "/nope.toml"});
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("nope.toml") != std::string::npos);
  testkit::remove_tree(dir);
}
