// The process provider with real processes of provider_test_app
// (warm_app.cpp): start-up, warm-up steps, hand-over, release, failures.
#include "prescient/providers/process_provider.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdio>

#include <catch2/catch.hpp>

#include "process_fixture.hpp"

using namespace prescient;
using namespace prescient::providers;
using namespace prescient::providers::test;

TEST_CASE("a warm process runs its warm-up steps and hands over its endpoint") {
  process_provider p(config());
  REQUIRE_FALSE(p.provision_warm(test_app({}, 3), "w1", 0));
  CHECK(p.list()[0].state == instance_state::starting);
  CHECK(p.next_poll(0).has_value());
  auto ev = wait_event(p, "w1");
  REQUIRE(ev.kind == provider_event::kind_t::ready);
  auto h = p.hand_over("w1", 0);
  REQUIRE(h);
  CHECK(h->path == grant_path::shadow);
  CHECK(h->endpoint.rfind("127.0.0.1:", 0) == 0);
  CHECK(h->startup_us > 0);
  CHECK(h->warmup_us > 0);
  CHECK(h->startup_us + h->warmup_us < 10 * seconds);
  CHECK(h->wait_us == 0);
  auto hello = fetch(h->endpoint);
  CHECK(hello.find("hello steps=3 instance=w1") == 0);
  CHECK(p.hand_over("w1", 0).error().code == provider_errc::already_handed_over);
  std::printf("process provider: spawn -> READY %.2f ms, 3 warm-up steps %.2f ms\n",
              h->startup_us / 1e3, h->warmup_us / 1e3);
}

TEST_CASE("the cold path spawns a process for the waiting request") {
  process_provider p(config());
  REQUIRE_FALSE(p.provision_cold(test_app({}, 3), "c1", 0));
  REQUIRE(wait_event(p, "c1").kind == provider_event::kind_t::ready);
  auto h = p.hand_over("c1", 0);
  REQUIRE(h);
  CHECK(h->path == grant_path::reactive);
  CHECK(h->warmup_us == 0);
  CHECK(h->wait_us >= h->startup_us);
  CHECK(fetch(h->endpoint).find("hello steps=0 instance=c1") == 0);
}

TEST_CASE("spawn-to-ready latency of the process provider") {
  process_provider p(config());
  std::vector<double> ms;
  for (int i = 0; i < 10; ++i) {
    auto id = "l" + std::to_string(i);
    REQUIRE_FALSE(p.provision_cold(test_app(), id, 0));
    REQUIRE(wait_event(p, id).kind == provider_event::kind_t::ready);
    auto h = p.hand_over(id, 0);
    REQUIRE(h);
    ms.push_back(h->startup_us / 1e3);
    REQUIRE_FALSE(p.release(id, 0));
  }
  wait_reaped(p);
  std::sort(ms.begin(), ms.end());
  std::printf("process provider: spawn -> ready over 10 cold starts: "
              "min %.2f ms, median %.2f ms, max %.2f ms\n",
              ms.front(), ms[5], ms.back());
  CHECK(ms.back() < 10'000);
}

TEST_CASE("release kills the process and its group, and reaps it") {
  process_provider p(config());
  REQUIRE_FALSE(p.provision_warm(test_app({"--grandchild"}, 1), "r1", 0));
  REQUIRE(wait_event(p, "r1").kind == provider_event::kind_t::ready);
  auto pid = p.list()[0].pid;
  auto h = p.hand_over("r1", 0);
  REQUIRE(h);
  auto grandchild = grandchild_of(fetch(h->endpoint));
  REQUIRE(grandchild > 0);
  CHECK(alive(pid));
  CHECK(alive(grandchild));
  REQUIRE_FALSE(p.release("r1", 0));
  CHECK(p.list().empty());
  CHECK(p.used().cpu_millicores == 0);
  CHECK(p.release("r1", 0).code == provider_errc::unknown_instance);
  wait_reaped(p);
  CHECK(gone(pid));
  CHECK(gone(grandchild));
  CHECK(no_children());
}

TEST_CASE("a process that ignores SIGTERM is killed after the grace") {
  process_provider p(config());
  REQUIRE_FALSE(p.provision_warm(test_app({"--ignore-term"}), "t1", 0));
  REQUIRE(wait_event(p, "t1").kind == provider_event::kind_t::ready);
  auto pid = p.list()[0].pid;
  auto start = process_provider::now_us();
  REQUIRE_FALSE(p.release("t1", 0));
  wait_reaped(p);
  CHECK(process_provider::now_us() - start >= 250'000); // waited its grace
  CHECK(gone(pid));
  CHECK(no_children());
}

TEST_CASE("shutdown and the destructor leave no process behind") {
  std::vector<int64_t> pids;
  auto fds = open_fds();
  {
    process_provider p(config());
    REQUIRE_FALSE(p.provision_warm(test_app({}, 1), "a", 0));
    REQUIRE_FALSE(p.provision_warm(test_app({"--ignore-term"}), "b", 0));
    REQUIRE(wait_event(p, "a").kind == provider_event::kind_t::ready);
    REQUIRE(wait_event(p, "b").kind == provider_event::kind_t::ready);
    REQUIRE_FALSE(p.provision_cold(test_app({"--delay-ms", "5000"}), "c", 0));
    for (auto& info : p.list())
      pids.push_back(info.pid);
    SECTION("shutdown") {
      p.shutdown();
      CHECK(p.list().empty());
      CHECK(p.dying() == 0);
      CHECK(p.provision_cold(test_app(), "d", 0).code == provider_errc::shut_down);
    }
    SECTION("destructor") {
      // nop: leaving the scope destroys the provider
    }
  }
  REQUIRE(pids.size() == 3);
  for (auto pid : pids)
    CHECK_FALSE(alive(pid));
  CHECK(no_children());
  CHECK(open_fds() == fds); // every socket pair closed
}

TEST_CASE("a readiness probe decides for an app that never prints READY") {
  process_provider p(config());
  auto port = std::to_string(free_port());
  auto t = test_app({"--never-ready", "--port", port}, 1);
  t.ready_probe = "tcp:127.0.0.1:" + port;
  REQUIRE_FALSE(p.provision_warm(t, "probed", 0));
  REQUIRE(wait_event(p, "probed").kind == provider_event::kind_t::ready);
  auto h = p.hand_over("probed", 0);
  REQUIRE(h);
  CHECK(h->endpoint == "127.0.0.1:" + port);
  // The warm-up step ran once the probe had succeeded.
  CHECK(fetch(h->endpoint).find("hello steps=1 instance=probed") == 0);
}

TEST_CASE("a command that cannot start is a clear error at once") {
  process_provider p(config());
  auto t = test_app();
  t.command = {"/nonexistent/prescient-app"};
  auto err = p.provision_warm(t, "x", 0);
  CHECK(err.code == provider_errc::spawn_failed);
  CHECK(err.message.find("/nonexistent/prescient-app") != std::string::npos);
  CHECK(err.message.find("No such file") != std::string::npos);
  CHECK(p.list().empty());
  CHECK(p.used().cpu_millicores == 0);
  t.command.clear();
  CHECK(p.provision_warm(t, "x", 0).code == provider_errc::bad_template);
  t = test_app();
  t.ready_probe = "http://x";
  CHECK(p.provision_warm(t, "x", 0).code == provider_errc::bad_template);
  CHECK(no_children());
}

TEST_CASE("a process that exits before it is ready is reported with its output") {
  process_provider p(config());
  REQUIRE_FALSE(p.provision_warm(test_app({"--exit-before-ready", "3"}), "e", 0));
  auto ev = wait_event(p, "e");
  CHECK(ev.kind == provider_event::kind_t::failed);
  CHECK(ev.error.code == provider_errc::exited_early);
  CHECK(ev.error.message.find("exited with status 3") != std::string::npos);
  CHECK(ev.error.message.find("giving up before READY") != std::string::npos);
  CHECK(p.list().empty());
  CHECK(p.used().cpu_millicores == 0);
  CHECK(no_children());
}

TEST_CASE("a ready process that dies is reported and never handed over") {
  process_provider p(config());
  REQUIRE_FALSE(p.provision_warm(test_app(), "d", 0));
  REQUIRE(wait_event(p, "d").kind == provider_event::kind_t::ready);
  auto pid = p.list()[0].pid;
  ::kill(static_cast<pid_t>(pid), SIGKILL);
  REQUIRE(gone(pid)); // dead; a zombie until the provider reaps it
  auto h = p.hand_over("d", 0);
  REQUIRE_FALSE(h);
  CHECK(h.error().code == provider_errc::exited_early);
  CHECK(h.error().message.find("killed by signal 9") != std::string::npos);
  auto events = p.poll(0); // reaped already: reported at once
  REQUIRE(events.size() == 1);
  auto& ev = events[0];
  CHECK(ev.kind == provider_event::kind_t::failed);
  CHECK(ev.error.message.find("after it was ready") != std::string::npos);
  CHECK(p.list().empty());
  CHECK(no_children());
}

TEST_CASE("start-up and warm-up steps are bounded by their timeouts") {
  process_provider p(config());
  auto t = test_app({"--never-ready"});
  t.start_timeout = std::chrono::milliseconds(300);
  REQUIRE_FALSE(p.provision_cold(t, "slow", 0));
  auto ev = wait_event(p, "slow");
  CHECK(ev.error.code == provider_errc::timed_out);
  CHECK(ev.error.message.find("waiting for READY") != std::string::npos);

  auto f = test_app({"--fail-step", "load part 1"}, 3);
  REQUIRE_FALSE(p.provision_warm(f, "fails", 0));
  ev = wait_event(p, "fails");
  CHECK(ev.error.code == provider_errc::step_failed);
  CHECK(ev.error.message.find("step 2 ('load part 1')") != std::string::npos);
  CHECK(p.list().empty());
  CHECK(no_children());
}
