// A real prescientd whose data center starts local processes: a claim
// through the client is granted a real child (its endpoint answers), a
// SIGKILL of the node leaves the children that ignore it, and the restarted
// node reconciles its ledger with them: the survivor's grant is kept and
// releasable, the grant whose child died with the node is erased, and no
// child of the test outlives release and shutdown.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "../providers/process_fixture.hpp"
#include "fixture.hpp"

using namespace prescient;

namespace {

/// One data center of local processes: "sticky" children ignore SIGTERM and
/// the end of their stdin (they survive the node), "plain" ones exit with it.
std::string process_config(const std::string& dir) {
  std::string app = PROVIDER_TEST_APP;
  return "[node]\nid = \"proc-node\"\nrpc_listen = \"127.0.0.1:0\"\nshards = 2\n"
         "data_dir = \"" + dir + "/data\"\n\n"
         "[learned]\nenabled = false\n\n"
         "[[regions]]\nname = \"eu-west\"\n\n"
         "[[data_centers]]\nname = \"local\"\nregion = \"eu-west\"\n"
         "capacity = { cpu_millicores = 8000, memory_mb = 8192 }\n"
         "provider = \"process\"\n"
         "[data_centers.process]\ngrace = \"300ms\"\n"
         "environment = [\"PRESCIENT_IT_DIR=" + dir + "\"]\n\n"
         "[[apps]]\nname = \"sticky\"\ncommand = [\"" + app + "\", \"--ignore-term\"]\n"
         "resources = { cpu_millicores = 1000, memory_mb = 64 }\n\n"
         "[[apps]]\nname = \"plain\"\ncommand = [\"" + app + "\"]\n"
         "warmup_steps = [\"load\"]\n"
         "resources = { cpu_millicores = 1000, memory_mb = 64 }\n\n"
         "[[tenants]]\nid = \"demo\"\n";
}

/// Live processes started for the test's node (marked by its directory in
/// their environment); zombies have no environment and do not count.
std::set<int64_t> children_of(const std::string& dir) {
  std::set<int64_t> out;
  auto marker = "PRESCIENT_IT_DIR=" + dir;
  auto* d = ::opendir("/proc");
  if (d == nullptr)
    return out;
  while (auto* e = ::readdir(d)) {
    char* end = nullptr;
    auto pid = std::strtoll(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0)
      continue;
    std::ifstream env("/proc/" + std::string(e->d_name) + "/environ", std::ios::binary);
    std::string entry;
    while (std::getline(env, entry, '\0'))
      if (entry == marker)
        out.insert(pid);
  }
  ::closedir(d);
  return out;
}

/// Waits up to 10 s for `want` of the test's children to be left.
bool children_become(const std::string& dir, size_t want) {
  for (int i = 0; i < 200; ++i) {
    if (children_of(dir).size() == want)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

uint64_t granted_at(client& c, const std::string& dc) {
  for (auto& d : c.status().data_centers)
    if (d.name == dc)
      return d.instances_granted;
  FAIL("no data center " << dc);
  return 0;
}

} // namespace

TEST_CASE("a process data center grants real children and reconciles them after SIGKILL",
          "[integration][provider]") {
  auto dir = testkit::make_temp_dir("prescient-proc");
  auto config = dir + "/node.toml";
  std::ofstream(config) << process_config(dir);
  auto node = std::make_unique<testkit::node_process>(
    testkit::node_process::options{it::bin_path("prescientd"), config, dir + "/data"});
  client_options opts;
  opts.address = node->address();
  opts.timeout = std::chrono::seconds(15);
  grant sticky, plain;
  {
    client c(opts);
    sticky = c.request(it::make_request("ann", "sticky", "eu-west", 500, 32));
    plain = c.request(it::make_request("bob", "plain", "eu-west", 500, 32));
    CHECK(sticky.data_center == "local");
    CHECK(sticky.path == grant_path::reactive);
    CHECK(sticky.wait_us > 0); // a measured cold start
    REQUIRE(sticky.endpoint.rfind("127.0.0.1:", 0) == 0);
    // The endpoint is the child itself, started for this grant.
    auto hello = providers::test::fetch(sticky.endpoint);
    CHECK(hello.find("instance=" + sticky.instance) != std::string::npos);
    CHECK(providers::test::fetch(plain.endpoint).find("instance=" + plain.instance)
          != std::string::npos);
    CHECK(children_of(dir).size() == 2);
    CHECK(granted_at(c, "local") == 2);
    // An app without a template cannot be started by processes: the
    // client hears why.
    try {
      c.request(it::make_request("cat", "notebook", "eu-west", 500, 32));
      FAIL("a request for an app without a template was granted");
    } catch (const client_error& e) {
      CHECK(std::string(e.what()).find("no command") != std::string::npos);
    }
  }

  node->kill(); // SIGKILL: no shutdown, the children are on their own
  // The plain child sees the end of its stdin and exits; the sticky one stays.
  REQUIRE(children_become(dir, 1));
  node->restart();
  {
    opts.address = node->address();
    client c(opts);
    CHECK(granted_at(c, "local") == 1); // the plain grant died with its child
    CHECK(providers::test::fetch(sticky.endpoint).find("instance=" + sticky.instance)
          != std::string::npos); // adopted, still serving
    try {
      c.release("demo", "bob", plain);
      FAIL("the dead child's grant was released twice");
    } catch (const client_error& e) {
      CHECK(std::string(e.what()).find("not granted") != std::string::npos);
    }
    c.release("demo", "ann", sticky); // SIGTERM ignored: SIGKILL after the grace
    CHECK(children_become(dir, 0));
    CHECK(granted_at(c, "local") == 0);
    // A new grant after the restart, then a graceful stop takes it down.
    auto again = c.request(it::make_request("dan", "sticky", "eu-west", 500, 32));
    CHECK(again.instance != sticky.instance);
    CHECK(children_of(dir).size() == 1);
  }
  CHECK(node->terminate() == 0);
  CHECK(children_become(dir, 0)); // shutdown leaves no child behind
  node.reset();
  testkit::remove_tree(dir);
}
