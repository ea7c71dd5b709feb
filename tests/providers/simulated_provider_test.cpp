#include "prescient/providers/simulated_provider.hpp"

#include <set>

#include <catch2/catch.hpp>

using namespace prescient;
using namespace prescient::providers;

namespace {

constexpr time_us ms = 1000;

simulated_config config() {
  simulated_config cfg;
  cfg.data_center = "dc1";
  cfg.capacity.cpu_millicores = 1000;
  cfg.capacity.memory_mb = 4096;
  cfg.cold_start = delay_distribution::fixed(1000);
  cfg.warmup_step = delay_distribution::fixed(100);
  cfg.warm_start = delay_distribution::fixed(50);
  return cfg;
}

app_template app(std::string name, size_t steps = 0) {
  app_template t;
  t.name = std::move(name);
  t.resources.cpu_millicores = 400;
  t.resources.memory_mb = 1024;
  for (size_t i = 0; i < steps; ++i)
    t.warmup_steps.push_back("step " + std::to_string(i));
  return t;
}

std::vector<std::string> ids(const std::vector<provider_event>& events) {
  std::vector<std::string> out;
  for (auto& e : events)
    out.push_back(e.instance);
  return out;
}

} // namespace

TEST_CASE("the simulated provider refuses what exceeds its capacity") {
  simulated_provider p(config());
  CHECK_FALSE(p.provision_warm(app("a"), "i1", 0));
  CHECK_FALSE(p.provision_cold(app("a"), "i2", 0));
  CHECK(p.used().cpu_millicores == 800);
  auto err = p.provision_warm(app("a"), "i3", 0);
  CHECK(err.code == provider_errc::no_capacity);
  CHECK(p.provision_warm(app("a"), "i1", 0).code
        == provider_errc::duplicate_instance);
  CHECK_FALSE(p.release("i1", 0));
  CHECK(p.release("i1", 0).code == provider_errc::unknown_instance);
  CHECK_FALSE(p.provision_warm(app("a"), "i3", 0));
  CHECK(p.used().cpu_millicores == 800);
  CHECK(p.capacity().cpu_millicores == 1000);
}

TEST_CASE("simulated instances become ready when their delays have elapsed") {
  simulated_provider p(config());
  REQUIRE_FALSE(p.provision_warm(app("a", 2), "w", 0));
  REQUIRE_FALSE(p.provision_cold(app("a", 2), "c", 500 * ms));
  // Warm: 1000 ms cold start + 2 × 100 ms steps; cold: no steps.
  CHECK(p.next_poll(0) == 1200 * ms);
  CHECK(p.poll(1100 * ms).empty());
  CHECK(p.list()[1].state == instance_state::warming);
  CHECK(p.hand_over("w", 1100 * ms).error().code == provider_errc::not_ready);
  CHECK(ids(p.poll(1200 * ms)) == std::vector<std::string>{"w"});
  CHECK(p.next_poll(1200 * ms) == 1500 * ms);
  CHECK(ids(p.poll(2000 * ms)) == std::vector<std::string>{"c"});
  CHECK(p.next_poll(2000 * ms) == std::nullopt);
  CHECK(p.poll(3000 * ms).empty());
}

TEST_CASE("events come in event-time order even when polled late") {
  simulated_provider p(config());
  REQUIRE_FALSE(p.provision_warm(app("a", 1), "b", 0)); // ready at 1100
  REQUIRE_FALSE(p.provision_cold(app("a"), "a", 50 * ms)); // ready at 1050
  CHECK(ids(p.poll(5000 * ms)) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a hand-over says which path served it, exactly once") {
  simulated_provider p(config());
  REQUIRE_FALSE(p.provision_warm(app("plain"), "pre", 0));
  REQUIRE_FALSE(p.provision_warm(app("steps", 3), "shadow", 0));
  p.poll(2000 * ms);
  auto pre = p.hand_over("pre", 5000 * ms);
  REQUIRE(pre);
  CHECK(pre->path == grant_path::prewarmed);
  CHECK(pre->startup_us == 1000 * ms);
  CHECK(pre->warmup_us == 0);
  CHECK(pre->wait_us == 50 * ms);
  CHECK(pre->endpoint == "sim://dc1/pre");
  auto shadow = p.hand_over("shadow", 5000 * ms);
  REQUIRE(shadow);
  CHECK(shadow->path == grant_path::shadow);
  CHECK(shadow->warmup_us == 300 * ms);
  CHECK(p.hand_over("pre", 5000 * ms).error().code
        == provider_errc::already_handed_over);
  CHECK(p.hand_over("nope", 5000 * ms).error().code
        == provider_errc::unknown_instance);
  CHECK(p.list()[0].state == instance_state::handed_over);

  // The reactive path: the request waits from provision to hand-over.
  REQUIRE_FALSE(p.release("pre", 5000 * ms));
  REQUIRE_FALSE(p.provision_cold(app("plain", 3), "cold", 6000 * ms));
  CHECK(ids(p.poll(7000 * ms)) == std::vector<std::string>{"cold"});
  auto cold = p.hand_over("cold", 7000 * ms);
  REQUIRE(cold);
  CHECK(cold->path == grant_path::reactive);
  CHECK(cold->warmup_us == 0);
  CHECK(cold->wait_us == 1000 * ms);
}

TEST_CASE("the same seed and calls give the same delays") {
  auto run = [](uint64_t seed) {
    auto cfg = config();
    cfg.seed = seed;
    cfg.cold_start = delay_distribution::lognormal(1000, 5000);
    cfg.warmup_step = delay_distribution::uniform(10, 200);
    cfg.warm_start = delay_distribution::lognormal(20, 100);
    simulated_provider p(cfg);
    std::vector<int64_t> out;
    for (int i = 0; i < 20; ++i) {
      auto id = "i" + std::to_string(i);
      REQUIRE_FALSE(p.provision_warm(app("a", 2), id, i * ms));
      p.poll(i * ms + 3'600'000 * ms);
      auto h = p.hand_over(id, i * ms + 3'600'000 * ms);
      REQUIRE(h);
      out.insert(out.end(), {h->startup_us, h->warmup_us, h->wait_us});
      REQUIRE_FALSE(p.release(id, 0));
    }
    return out;
  };
  CHECK(run(9) == run(9));
  CHECK(run(9) != run(10));
}

TEST_CASE("after a broker restart, instances its ledger lacks are released") {
  simulated_provider p(config());
  REQUIRE_FALSE(p.provision_warm(app("a"), "dc1-1", 0));
  REQUIRE_FALSE(p.provision_cold(app("a"), "dc1-2", 0));
  p.poll(2000 * ms);
  REQUIRE(p.hand_over("dc1-1", 2000 * ms));
  // The broker restarts; its ledger knows only the granted dc1-1.
  std::set<std::string> ledger{"dc1-1"};
  for (auto& info : p.list())
    if (ledger.count(info.id) == 0)
      CHECK_FALSE(p.release(info.id, 3000 * ms));
  auto left = p.list();
  REQUIRE(left.size() == 1);
  CHECK(left[0].id == "dc1-1");
  CHECK(left[0].state == instance_state::handed_over);
  CHECK(p.used().cpu_millicores == 400);
}

TEST_CASE("a simulated start failure frees the capacity") {
  auto cfg = config();
  cfg.failure_rate = 1;
  simulated_provider p(cfg);
  REQUIRE_FALSE(p.provision_warm(app("a", 1), "x", 0));
  CHECK(p.next_poll(0) == 1000 * ms); // fails when its cold start ends
  auto events = p.poll(1000 * ms);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == provider_event::kind_t::failed);
  CHECK(events[0].error.code == provider_errc::exited_early);
  CHECK(p.list().empty());
  CHECK(p.used().cpu_millicores == 0);
}

TEST_CASE("a shut-down simulated provider holds nothing and refuses") {
  simulated_provider p(config());
  REQUIRE_FALSE(p.provision_warm(app("a"), "x", 0));
  p.shutdown();
  CHECK(p.list().empty());
  CHECK(p.used().cpu_millicores == 0);
  CHECK(p.provision_cold(app("a"), "y", 0).code == provider_errc::shut_down);
  CHECK(p.provision_cold(app(""), "y", 0).code == provider_errc::shut_down);
}
