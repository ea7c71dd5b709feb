// Nothing leaks across a broker restart: reconciliation with the ledger,
// and adoption of the processes that survived a crash of the node.
#include "prescient/providers/process_provider.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "process_fixture.hpp"

using namespace prescient;
using namespace prescient::providers;
using namespace prescient::providers::test;

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

TEST_CASE("an instance whose record cannot be written is stopped, not left to leak") {
  auto cfg = config();
  cfg.state_dir = "/proc/prescient-no-such-dir"; // no file can be made there, even by root
  process_provider p(cfg);
  auto err = p.provision_cold(test_app(), "unrecorded", 0);
  CHECK(err.code == provider_errc::spawn_failed);
  CHECK(err.message.find("cannot write the record of instance unrecorded") != std::string::npos);
  CHECK(p.list().empty());
  CHECK(p.used().cpu_millicores == 0);
  CHECK(no_children());
}
