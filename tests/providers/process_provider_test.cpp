// The process provider with real processes of provider_test_app
// (warm_app.cpp). Time bounds are generous (seconds): the machine is shared.
#include "prescient/providers/process_provider.hpp"

#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

using namespace prescient;
using namespace prescient::providers;

namespace {

constexpr time_us seconds = 1'000'000;

process_config config() {
  process_config cfg;
  cfg.capacity.cpu_millicores = 4000;
  cfg.grace = std::chrono::milliseconds(300);
  return cfg;
}

app_template test_app(std::vector<std::string> args = {}, size_t steps = 0) {
  app_template t;
  t.name = "warm-app";
  t.command = {PROVIDER_TEST_APP};
  t.command.insert(t.command.end(), args.begin(), args.end());
  for (size_t i = 0; i < steps; ++i)
    t.warmup_steps.push_back("load part " + std::to_string(i));
  t.resources.cpu_millicores = 1000;
  t.start_timeout = std::chrono::seconds(10);
  t.step_timeout = std::chrono::seconds(10);
  return t;
}

/// Polls until `id` is reported (ready or failed), at most 15 s. An
/// instance that a poll for another one found ready counts as reported.
provider_event wait_event(process_provider& p, const std::string& id) {
  auto until = process_provider::now_us() + 15 * seconds;
  while (process_provider::now_us() < until) {
    for (auto& info : p.list())
      if (info.id == id && info.state == instance_state::ready)
        return {provider_event::kind_t::ready, id, {}};
    for (auto& e : p.poll(0))
      if (e.instance == id)
        return e;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  FAIL("no event for " << id << " within 15 s");
  return {};
}

/// Polls until every released child is reaped, at most 15 s.
void wait_reaped(process_provider& p) {
  auto until = process_provider::now_us() + 15 * seconds;
  while (p.dying() > 0 && process_provider::now_us() < until) {
    p.poll(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(p.dying() == 0);
}

/// A process exists and is not a zombie (an orphaned grandchild may wait
/// for a container's init to reap it).
bool alive(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat))
    return false;
  auto state = stat.substr(stat.rfind(')') + 2, 1);
  return state != "Z" && state != "X";
}

/// Waits up to 5 s for `pid` to be gone.
bool gone(int64_t pid) {
  for (int i = 0; i < 2500 && alive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return !alive(pid);
}

/// No child of this process is left, not even a zombie.
bool no_children() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

/// Connects to "127.0.0.1:PORT" and reads the one line the app answers.
std::string fetch(const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(endpoint.substr(colon + 1))));
  ::inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &sa.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, n);
  ::close(fd);
  return out;
}

/// A loopback port that was free a moment ago.
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

int64_t grandchild_of(const std::string& hello) {
  auto at = hello.find("grandchild=");
  return at == std::string::npos ? 0 : std::stoll(hello.substr(at + 11));
}

} // namespace

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

TEST_CASE("after a crash, a new provider adopts and releases the survivors") {
  char dir_template[] = "/tmp/prescient-providers-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  auto cfg = config();
  cfg.state_dir = std::string(dir_template) + "/state";
  // A node that crashes: its provider never runs its destructor. The
  // children ignore the end of their stdin, so they survive it.
  pid_t node = ::fork();
  REQUIRE(node >= 0);
  if (node == 0) {
    auto* p = new process_provider(cfg); // leaked on purpose: the crash
    bool ok = !p->provision_warm(test_app({"--ignore-term"}, 1), "kept", 0)
              && !p->provision_cold(test_app({"--ignore-term"}), "stray", 0);
    for (int i = 0; ok && i < 5000; ++i) {
      p->poll(0);
      auto l = p->list();
      if (l.size() == 2 && l[0].state == instance_state::ready
          && l[1].state == instance_state::ready)
        ::_exit(0);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::_exit(1);
  }
  int status = 0;
  REQUIRE(::waitpid(node, &status, 0) == node);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  int64_t kept_pid = 0;
  {
    process_provider p(cfg);
    auto l = p.list();
    REQUIRE(l.size() == 2);
    CHECK(l[0].id == "kept");
    CHECK(l[1].id == "stray");
    CHECK(l[0].state == instance_state::handed_over);
    CHECK(p.used().cpu_millicores == 2000);
    CHECK(fetch(l[0].endpoint).find("hello steps=1 instance=kept") == 0);
    kept_pid = l[0].pid;
    auto stray_pid = l[1].pid;
    CHECK(alive(kept_pid));
    // The restarted broker's ledger knows only "kept".
    REQUIRE_FALSE(p.release("stray", 0));
    wait_reaped(p);
    CHECK(gone(stray_pid));
    CHECK(p.poll(0).empty());
    CHECK(alive(kept_pid));
  } // the destructor kills the adopted one too
  CHECK(gone(kept_pid));
  // Nothing is left to adopt.
  {
    process_provider again(cfg);
    CHECK(again.list().empty());
  }
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("reconciliation releases real processes the ledger lacks") {
  process_provider p(config());
  for (auto id : {"dc-1", "dc-2", "dc-3", "dc-4"})
    REQUIRE_FALSE(p.provision_warm(test_app(), id, 0));
  CHECK(p.provision_warm(test_app(), "dc-5", 0).code
        == provider_errc::no_capacity); // 4 × 1000 millicores: full
  std::set<std::string> ledger{"dc-2"};
  std::vector<int64_t> dropped;
  for (auto& info : p.list())
    if (ledger.count(info.id) == 0) {
      dropped.push_back(info.pid);
      REQUIRE_FALSE(p.release(info.id, 0));
    }
  REQUIRE(p.list().size() == 1);
  CHECK(p.list()[0].id == "dc-2");
  wait_reaped(p);
  for (auto pid : dropped)
    CHECK(gone(pid));
  REQUIRE(wait_event(p, "dc-2").kind == provider_event::kind_t::ready);
}
