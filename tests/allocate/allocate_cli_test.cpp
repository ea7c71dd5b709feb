// prescient-replay allocate end to end: bad input, JSON shape, determinism,
// the development sample (skipped when absent).
#include <catch2/catch.hpp>

#include <filesystem>

#include "allocate_fixtures.hpp"

using namespace prescient::allocate::test;
namespace fs = std::filesystem;

namespace {
const char* const sample = PRESCIENT_SOURCE_DIR "/../shared/data/azure-functions-2019/sample-500fn-8h";

struct fixture_files {
  std::string inv, mem;
};

fixture_files fixture() {
  std::string inv = "HashOwner,HashApp,HashFunction,Trigger";
  for (int m = 1; m <= 120; ++m) inv += "," + std::to_string(m);
  inv += "\n";
  auto row = [&](const char* o, const char* a, const char* f, const char* trig, int period, int offset) {
    inv += std::string(o) + "," + a + "," + f + "," + trig;
    for (int m = 1; m <= 120; ++m) inv += (m % period == offset) ? ",2" : ",0";
    inv += "\n";
  };
  row("o1", "a1", "f1", "timer", 5, 0);
  row("o1", "a1", "f2", "http", 17, 3);
  row("o1", "a2", "f3", "timer", 30, 1);
  row("o2", "a3", "f4", "http", 43, 7);
  return {write_tmp("cli_inv.csv", inv),
          write_tmp("cli_mem.csv", "HashOwner,HashApp,AverageAllocatedMb\no1,a1,128\no1,a2,256\no2,a3,512\n")};
}

std::string base_args(const fixture_files& f) {
  return "allocate --format azure --invocations " + f.inv + " --memory " + f.mem;
}
} // namespace

TEST_CASE("allocate CLI: unknown or bad policies exit 2 with one line") {
  auto f = fixture();
  for (const char* p : {"keepalive:abc", "keepalive:0m", "foo"}) {
    INFO(p);
    auto r = run_replay(base_args(f) + " --policy reactive," + p + " --json");
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(std::string("'") + p + "'") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("allocate CLI: missing files, flags and malformed lines") {
  auto f = fixture();
  auto r = run_replay("allocate --format azure --invocations /nonexistent.csv --memory " + f.mem + " --policy reactive");
  CHECK(r.code == 2);
  CHECK(r.err == "prescient-replay allocate: no such file: /nonexistent.csv\n");
  r = run_replay("allocate --format azure --invocations " + f.inv + " --policy reactive");
  CHECK(r.code == 2);
  CHECK(r.err.find("--memory") != std::string::npos);
  r = run_replay(base_args(f));
  CHECK(r.code == 2);
  CHECK(r.err.find("--policy") != std::string::npos);
  r = run_replay(base_args(f) + " --policy reactive --bogus");
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown argument '--bogus'") != std::string::npos);
  r = run_replay("allocate --format events --invocations " + f.inv + " --memory " + f.mem + " --policy reactive");
  CHECK(r.code == 2);
  auto bad = write_tmp("cli_bad.csv", "HashOwner,HashApp,1,2\no,a,1,0\no,b,1\n");
  r = run_replay("allocate --format azure --invocations " + bad + " --memory " + f.mem + " --policy reactive --json");
  CHECK(r.code == 2);
  CHECK(r.err == "prescient-replay allocate: " + bad + ":3: expected 4 fields, found 3\n");
  r = run_replay("allocate --format azure --invocations " + bad + " --memory " + f.mem +
                 " --policy reactive --json --skip-bad");
  CHECK(r.code == 0);
  CHECK(r.err.find("skipped 1 malformed line") != std::string::npos);
  CHECK(r.out.rfind("{\"invocations\":1,\"apps\":1,", 0) == 0);
}

TEST_CASE("allocate CLI: JSON keys, keepalive:10m computed for the ratio, deterministic") {
  auto f = fixture();
  auto a = run_replay(base_args(f) + " --policy reactive,hybrid-histogram,prescient --json --sweep");
  auto b = run_replay(base_args(f) + " --policy reactive,hybrid-histogram,prescient --json --sweep");
  REQUIRE(a.code == 0);
  CHECK(a.out == b.out);
  CHECK(a.out.rfind("{\"invocations\":", 0) == 0);
  for (const char* key : {"\"apps\":3", "\"policies\":{\"reactive\":{\"cold_starts\":", "\"hybrid-histogram\":{",
                          "\"prescient\":{", "\"avoidable_cold_starts\":", "\"cold_start_share\":",
                          "\"app_cold_start_p50\":", "\"app_cold_start_p75\":", "\"app_cold_start_p90\":",
                          "\"wasted_gb_min\":", "\"wasted_vs_keepalive10\":", "\"sweep\":{",
                          "\"hybrid-histogram\":[{\"param\":\"range=60,tail=95\"", "\"prescient\":[{\"param\":0.25"})
    CHECK(a.out.find(key) != std::string::npos);
  CHECK(a.out.find("\"keepalive:10m\"") == std::string::npos);  // computed, not printed
  CHECK(a.out.find("\"reactive\":{\"cold_starts\"") != std::string::npos);
  auto dir = fs::temp_directory_path() / ("prescient-allocate-report-" + std::to_string(::getpid()));
  auto r = run_replay(base_args(f) + " --policy keepalive:10m,prescient --sweep --report " + dir.string());
  CHECK(r.code == 0);
  CHECK(r.out.find("keepalive:10m") != std::string::npos);  // the table
  std::stringstream html;
  html << std::ifstream(dir / "index.html").rdbuf();
  CHECK(html.str().find("<svg") != std::string::npos);
  CHECK(html.str().find("<script") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("allocate CLI: the Azure sample (skips without data)") {
  if (!fs::exists(sample)) {
    WARN("no dev data; skipped");
    return;
  }
  const std::string s = sample;
  auto r = run_replay("allocate --format azure --invocations " + s + "/invocations.csv --memory " + s +
                      "/memory.csv --durations " + s + "/durations.csv --policy keepalive:10m,hybrid-histogram,prescient --json");
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("{\"invocations\":3037902,\"apps\":476,", 0) == 0);
  auto num = [&](const std::string& policy, const std::string& key) {
    auto at = r.out.find("\"" + policy + "\":{");
    at = r.out.find("\"" + key + "\":", at);
    return std::stod(r.out.substr(at + key.size() + 3));
  };
  // The target: half the cold starts at no more memory, or half the memory
  // at no more cold starts.
  const double hc = num("hybrid-histogram", "avoidable_cold_starts"), hw = num("hybrid-histogram", "wasted_gb_min");
  const double pc = num("prescient", "avoidable_cold_starts"), pw = num("prescient", "wasted_gb_min");
  CHECK(((pc <= 0.5 * hc && pw <= hw) || (pw <= 0.5 * hw && pc <= hc)));
  CHECK(num("keepalive:10m", "wasted_vs_keepalive10") == 1);
}
