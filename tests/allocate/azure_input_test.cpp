// The Azure 2019 files read per app: header variants, memory per app or per
// function, malformed lines.
#include <catch2/catch.hpp>

#include <functional>

#include "allocate_fixtures.hpp"
#include "prescient/traces/azure.hpp"

using namespace prescient::traces;
using prescient::allocate::test::write_tmp;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const trace_error& e) {
    return e.what();
  }
  return {};
}
} // namespace

TEST_CASE("azure invocations: original layout, functions summed, triggers kept") {
  auto p = write_tmp("inv1.csv",
                     "HashOwner,HashApp,HashFunction,Trigger,480,481,482\n"
                     "o1,a1,f1,timer,1,0,2\n"
                     "o1,a1,f2,http,3,,0\n"
                     "o2,a2,f3,queue,0,0,0\n");
  auto inv = read_azure_invocations(p);
  CHECK(inv.first_minute == 480);
  CHECK(inv.last_minute == 482);
  REQUIRE(inv.apps.size() == 2);
  CHECK(inv.apps[0].owner == "o1");
  CHECK(inv.apps[0].triggers == std::vector<std::string>{"http", "timer"});
  CHECK(inv.apps[0].minutes == std::vector<std::pair<std::int32_t, std::uint32_t>>{{480, 4}, {482, 2}});
  CHECK(inv.apps[1].minutes.empty());
}

TEST_CASE("azure invocations: minute_N columns, no Trigger, no HashFunction") {
  auto p = write_tmp("inv2.csv",
                     "HashOwner,HashApp,minute_1,minute_2\n"
                     "o,a,0,5\n");
  auto inv = read_azure_invocations(p);
  CHECK(inv.first_minute == 1);
  REQUIRE(inv.apps.size() == 1);
  CHECK(inv.apps[0].triggers.empty());
  CHECK(inv.apps[0].minutes == std::vector<std::pair<std::int32_t, std::uint32_t>>{{2, 5}});
}

TEST_CASE("azure invocations: malformed lines name FILE:LINE, or are skipped and counted") {
  auto p = write_tmp("inv3.csv",
                     "HashOwner,HashApp,HashFunction,Trigger,1,2\n"
                     "o,a,f,timer,1,2\n"
                     "o,a,f,timer,1\n"
                     "o,a,f,timer,x,2\n"
                     "o,a,f,timer,1.5,2\n"
                     ",a,f,timer,1,2\n");
  CHECK(error_of([&] { read_azure_invocations(p); }) == p + ":3: expected 6 fields, found 5");
  auto inv = read_azure_invocations(p, {true});
  CHECK(inv.skipped == 4);
  REQUIRE(inv.apps.size() == 1);
  CHECK(inv.apps[0].minutes.size() == 2);
  CHECK(error_of([&] { read_azure_invocations(write_tmp("inv4.csv", "HashOwner,HashApp,Trigger\n")); })
          .find(":1: no minute columns") != std::string::npos);
  CHECK(error_of([&] { read_azure_invocations("/nonexistent/invocations.csv"); }) ==
        "/nonexistent/invocations.csv: cannot open");
}

TEST_CASE("azure memory: per function → the app's largest; per app without owner") {
  auto p = write_tmp("mem1.csv",
                     "HashFunction,HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1\n"
                     "f1,o,a,10,120.0,100\n"
                     "f2,o,a,10,180.5,100\n"
                     "f3,o,b,10,64,60\n");
  auto m = read_azure_memory(p);
  REQUIRE(find_azure_app_value(m, "o", "a"));
  CHECK(*find_azure_app_value(m, "o", "a") == 180.5);
  CHECK(*find_azure_app_value(m, "o", "b") == 64);
  CHECK(find_azure_app_value(m, "x", "a") == nullptr);
  auto q = read_azure_memory(write_tmp("mem2.csv", "HashApp,SampleCount,AverageAllocatedMb\na,3,256\n"));
  CHECK(!q.keyed_by_owner);
  CHECK(*find_azure_app_value(q, "whoever", "a") == 256);
  auto bad = write_tmp("mem3.csv", "HashOwner,HashApp,AverageAllocatedMb\no,a,12\no,b,-3\no,c,abc\n");
  CHECK(error_of([&] { read_azure_memory(bad); }) == bad + ":3: bad AverageAllocatedMb '-3'");
  CHECK(read_azure_memory(bad, {true}).skipped == 2);
  CHECK(error_of([&] { read_azure_memory(write_tmp("mem4.csv", "HashOwner,HashApp\n")); })
          .find("missing column 'AverageAllocatedMb'") != std::string::npos);
}

TEST_CASE("azure durations: invocation-weighted mean per app") {
  auto p = write_tmp("dur.csv",
                     "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum\n"
                     "o,a,f1,100,1,0,0\n"
                     "o,a,f2,400,3,0,0\n");
  auto d = read_azure_durations(p);
  CHECK(*find_azure_app_value(d, "o", "a") == Approx(325));
}
