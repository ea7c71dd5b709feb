// The allocate replay through the real brokers gives the simulator's
// figures exactly: per-app cold starts, and waste (to 1e-9 relative) from
// the brokers' idle warm capacity; on hand-made idle times, on a synthetic
// many-app trace, and on the Azure sample (skipped when absent).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "../allocate/allocate_fixtures.hpp"
#include "prescient/allocate/metrics.hpp"
#include "prescient/allocate/policy_spec.hpp"
#include "prescient/replay/broker_replay.hpp"

namespace al = prescient::allocate;
namespace at = prescient::allocate::test;
using prescient::replay::broker_replay_options;
using prescient::replay::replay_through_brokers;

namespace {

const std::vector<std::string> policies{"reactive",         "keepalive:1m", "keepalive:10m",
                                        "hybrid-histogram", "prescient",    "prescient:4"};

std::unique_ptr<al::policy_factory> factory(const std::string& name) {
  al::policy_spec s;
  std::string error;
  REQUIRE(al::parse_policy(name, s, error));
  return al::make_policy(s);
}

/// Both engines on `t` with fresh factories from `make`; every figure equal.
template <class Make>
void check_engines_agree(const al::trace& t, Make make, std::uint32_t brokers = 2) {
  auto lib = al::simulator(t).run(*make());
  broker_replay_options o;
  o.brokers = brokers;
  auto f = make();
  auto br = replay_through_brokers(t, *f, o);
  REQUIRE(br.per_app.size() == lib.size());
  std::uint64_t cold = 0, invocation_minutes = 0;
  for (std::size_t i = 0; i < lib.size(); ++i) {
    INFO("app " << i);
    CHECK(br.per_app[i].invocations == lib[i].invocations);
    CHECK(br.per_app[i].cold_starts == lib[i].cold_starts);
    cold += lib[i].cold_starts;
    invocation_minutes += t.apps[i].minutes.size();
  }
  const auto a = al::summarize(lib), b = al::summarize(br.per_app);
  CHECK(b.avoidable_cold_starts == a.avoidable_cold_starts);
  CHECK(b.app_cold_start_p90 == a.app_cold_start_p90);
  CHECK(br.claims == invocation_minutes);
  CHECK(br.grants_reactive == cold);
  CHECK(br.grants_prewarmed == invocation_minutes - cold);
  CHECK(std::abs(br.wasted_gb_min - a.wasted_gb_min) <= 1e-9 * std::max(1.0, a.wasted_gb_min));
}

/// Apps of several owners and triggers with regular, bursty and rare
/// invocations over a day, from a fixed seed.
al::trace synthetic(int apps, std::uint32_t seed) {
  std::mt19937 rng(seed);
  al::trace t;
  t.first_minute = 1;
  t.last_minute = 1440;
  for (int i = 0; i < apps; ++i) {
    al::app_trace a;
    a.info.owner = static_cast<std::uint32_t>(i / 3);
    a.info.trigger = i % 4 == 0 ? "timer" : i % 4 == 1 ? "http" : i % 4 == 2 ? "queue" : "http+timer";
    a.info.memory_mb = 64 + (rng() % 1000);
    const int kind = i % 5;
    const int period = 1 + static_cast<int>(rng() % 120);
    for (int m = 1; m <= 1440; ++m) {
      bool on = false;
      if (kind == 0) on = m % period == 0;                    // timer
      else if (kind == 1) on = rng() % 100 < 30;              // busy
      else if (kind == 2) on = rng() % 1000 < 5;              // rare
      else if (kind == 3) on = (m / 90) % 3 == 0 && rng() % 4 == 0; // bursts
      else on = m % period == 0 || rng() % 500 == 0;          // timer plus noise
      if (on) a.minutes.emplace_back(m, 1 + static_cast<std::uint32_t>(rng() % 7));
    }
    t.apps.push_back(std::move(a));
  }
  return t;
}

} // namespace

TEST_CASE("brokers engine: every policy's figures on hand-made idle times equal the simulator's") {
  const std::vector<std::vector<int>> idle_sets{
    {0, 0, 0},                                // back to back
    {1, 3, 9, 10, 11, 30, 2, 2, 2, 500},      // around keepalive:10m's edge, one long gap
    {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 60}, // regular, then a miss
    {239, 240, 241, 10, 480, 1},              // around the hybrid policy's range
  };
  for (auto& idle : idle_sets)
    for (auto& name : policies) {
      INFO(name);
      auto ms = at::from_idle(idle);
      check_engines_agree(at::one_app(at::ones(ms), ms.back() + 30), [&] { return factory(name); });
    }
}

TEST_CASE("brokers engine: windows replaced, shorter, later, pre-warmed, past the end") {
  using w = al::window;
  // Each script answers invocation after invocation (0, 5, 9, 30, 31, 60).
  const std::vector<std::vector<w>> scripts{
    {{0, 20}, {0, 2}},            // a window replaced by a shorter one
    {{0, 3}, {10, 12}},           // a new window that starts after the old one ended
    {{4, 6}, {3, 4}, {0, 1}},     // pre-warm exactly at the next invocation, and just after
    {{-3, 2}, {5, 5}, {7, 3}},    // negative pre-warm; empty windows
    {{0, 1000}},                  // past the trace's end: counted up to its last minute
    {{25, 40}, {0, 0}, {1, 100}}, // a pre-warm that the next invocation overtakes
  };
  const std::vector<al::minute_t> ms{0, 5, 9, 30, 31, 60};
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    INFO("script " << i);
    check_engines_agree(at::one_app(at::ones(ms), 90),
                        [&] { return std::make_unique<at::scripted_factory>(scripts[i]); });
  }
}

TEST_CASE("brokers engine: a synthetic day of many apps, one broker or several") {
  auto t = synthetic(120, 7);
  for (auto& name : policies) {
    INFO(name);
    check_engines_agree(t, [&] { return factory(name); }, 3);
  }
  check_engines_agree(t, [&] { return factory("prescient"); }, 1);
}

TEST_CASE("brokers engine: bad input") {
  auto t = at::one_app(at::ones({0, 5}), 3); // minute 5 lies past the last minute
  auto f = factory("reactive");
  CHECK_THROWS_AS(replay_through_brokers(t, *f, {}), std::invalid_argument);
  broker_replay_options none;
  none.brokers = 0;
  CHECK_THROWS_AS(replay_through_brokers(at::one_app(at::ones({0}), 3), *f, none), std::invalid_argument);
}

TEST_CASE("allocate CLI: --engine brokers and library agree on the Azure sample (skips without data)") {
  const std::string s = PRESCIENT_SOURCE_DIR "/../shared/data/azure-functions-2019/sample-500fn-8h";
  if (!std::filesystem::exists(s)) {
    WARN("no dev data; skipped");
    return;
  }
  const std::string args = "allocate --format azure --invocations " + s + "/invocations.csv --memory " + s +
                           "/memory.csv --policy reactive,keepalive:10m,hybrid-histogram,prescient --json";
  auto b = at::run_replay(args + " --engine brokers");
  auto l = at::run_replay(args + " --engine library");
  REQUIRE(b.code == 0);
  REQUIRE(l.code == 0);
  auto jb = nlohmann::json::parse(b.out), jl = nlohmann::json::parse(l.out);
  CHECK(jb["invocations"] == jl["invocations"]);
  CHECK(jb["apps"] == jl["apps"]);
  for (auto& [name, pl] : jl["policies"].items()) {
    INFO(name);
    auto& pb = jb["policies"][name];
    for (auto& [key, v] : pl.items()) {
      INFO(key);
      const double x = v.get<double>(), y = pb[key].get<double>();
      CHECK(std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(x)) + (key == "wasted_gb_min" ? 1e-3 : 1e-4));
    }
  }
}

TEST_CASE("allocate CLI: bad --engine and --brokers exit 2 with one line") {
  auto inv = at::write_tmp("eng_inv.csv", "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,1,0,2\n");
  auto mem = at::write_tmp("eng_mem.csv", "HashOwner,HashApp,AverageAllocatedMb\no,a,128\n");
  const std::string args = "allocate --format azure --invocations " + inv + " --memory " + mem + " --policy reactive";
  for (const char* bad : {"--engine bogus", "--brokers 0", "--brokers abc", "--brokers 65", "--brokers 2x"}) {
    INFO(bad);
    auto r = at::run_replay(args + " " + bad);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  auto ok = at::run_replay(args + " --engine brokers --brokers 1 --json");
  CHECK(ok.code == 0);
  CHECK(ok.out.rfind("{\"invocations\":3,\"apps\":1,", 0) == 0);
  CHECK(ok.err.find("engine brokers") != std::string::npos);
}
