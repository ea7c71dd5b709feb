// model_registry: publication is an atomic swap; readers see whole snapshots
// and versions that only increase.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "prescient/learned/model_registry.hpp"
#include "runtime_fixture.hpp"

using namespace prescient::learned;
using namespace prescient::learned::test;

TEST_CASE("registry refuses older, equal and incomplete versions", "[learned][registry]") {
  model_registry reg;
  auto model = blank_model(1);
  CHECK(reg.current("acme") == nullptr);
  CHECK(reg.publish(snapshot_of("acme", 2, model, {"a"})));
  CHECK_FALSE(reg.publish(snapshot_of("acme", 2, model, {"a"})));
  CHECK_FALSE(reg.publish(snapshot_of("acme", 1, model, {"a"})));
  auto incomplete = std::make_shared<published_model>();
  incomplete->tenant = "acme";
  incomplete->version = 9;
  CHECK_FALSE(reg.publish(incomplete));
  CHECK(reg.publish(snapshot_of("beta", 1, model, {"x"})));
  CHECK(reg.current("acme")->version == 2);
  CHECK(reg.current("beta")->version == 1);
  CHECK(reg.all().size() == 2);
  CHECK(reg.publications() == 2);
}

TEST_CASE("concurrent readers see whole snapshots, versions only grow",
          "[learned][registry]") {
  model_registry reg;
  auto model = blank_model(1);
  constexpr uint64_t last = 300;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> bad{0}, reads{0};
  std::atomic<int> started{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      uint64_t seen = 0;
      ++started;
      do {
        auto m = reg.current("acme");
        ++reads;
        if (!m)
          continue;
        // A snapshot is complete and consistent: its vocabulary has one app
        // per version (see below), and versions never go back.
        if (!m->model || !m->vocab || m->vocab->size() != m->version + 1 || m->version < seen)
          ++bad;
        seen = m->version;
      } while (!done.load());
    });
  while (started.load() < 3)
    std::this_thread::yield();
  std::vector<std::string> apps;
  for (uint64_t v = 1; v <= last; ++v) {
    apps.push_back("app" + std::to_string(v));
    REQUIRE(reg.publish(snapshot_of("acme", v, model, apps)));
  }
  done = true;
  for (auto& t : readers)
    t.join();
  CHECK(bad == 0);
  CHECK(reads > 0);
  CHECK(reg.current("acme")->version == last);
}
