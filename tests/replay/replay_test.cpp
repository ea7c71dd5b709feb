#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "prescient/predict/evaluate.hpp"
#include "prescient/traces/trace_reader.hpp"

using namespace prescient::traces;
namespace fs = std::filesystem;

namespace {
std::string write_tmp(const std::string& name, const std::string& text) {
  auto dir = fs::temp_directory_path() / ("prescient-replay-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}
std::vector<trace_event> read_all(trace_reader& r) {
  std::vector<trace_event> v;
  trace_event e;
  while (r.next(e)) v.push_back(e);
  return v;
}
std::string error_of(const std::function<void()>& f) {
  try { f(); } catch (const trace_error& e) { return e.what(); }
  return {};
}
} // namespace

TEST_CASE("events CSV: header decides the columns, quotes, optional usage") {
  auto p = write_tmp("ev.csv",
                     "app,time_s,user,session,device,memory_mb,kind\n"
                     "ls,10.5,alice,s1,tty,128,launch\n"
                     "\"a,b\",11,alice,s1,tty,,request\n");
  auto r = open_events_csv(p);
  auto v = read_all(*r);
  REQUIRE(v.size() == 2);
  CHECK(v[0].app == "ls");
  CHECK(v[0].time_s == 10.5);
  CHECK(v[0].memory_mb == 128);
  CHECK(v[0].has_usage());
  CHECK(v[1].app == "a,b");
  CHECK_FALSE(v[1].has_usage());
  CHECK(v[1].kind == "request");
}

TEST_CASE("events CSV: malformed lines stop with FILE:LINE, or are skipped and counted") {
  auto p = write_tmp("bad.csv",
                     "time_s,user,device,session,app\n"
                     "1,u,d,s,a\n"
                     "x,u,d,s,a\n"
                     "2,u,d,s\n"
                     "3,u,d,s,b\n");
  auto r = open_events_csv(p);
  auto msg = error_of([&] { read_all(*r); });
  CHECK(msg == p + ":3: bad time_s 'x'");
  auto s = open_events_csv(p, {true});
  auto v = read_all(*s);
  CHECK(v.size() == 2);
  CHECK(s->skipped() == 2);
  CHECK(error_of([&] { open_events_csv(write_tmp("nohdr.csv", "time_s,user,app\n")); })
            .find(":1: missing column 'device'") != std::string::npos);
  CHECK(error_of([&] { open_events_csv("/nonexistent/x.csv"); }) == "/nonexistent/x.csv: cannot open");
}

TEST_CASE("event log: writer and reader round trip; reader demands all columns") {
  std::ostringstream out;
  event_log_writer w(out);
  trace_event e;
  e.time_s = 12.25; e.tenant = "t"; e.user = "u"; e.device = "d"; e.session = "s"; e.app = "x";
  e.kind = "launch"; e.cpu_millicores = 500; e.memory_mb = 256; e.duration_ms = 1200;
  w.write(e);
  auto p = write_tmp("log.csv", out.str());
  auto v = read_all(*open_event_log(p));
  REQUIRE(v.size() == 1);
  CHECK(v[0].tenant == "t");
  CHECK(v[0].cpu_millicores == 500);
  CHECK(v[0].duration_ms == 1200);
  CHECK(std::isnan(v[0].gpus));
  CHECK(error_of([&] { open_event_log(write_tmp("short.csv", "time_s,user,device,session,app\n")); })
            .find("event log lacks column") != std::string::npos);
}

TEST_CASE("azure reader: layouts, functions summed per app, minute events") {
  SECTION("original layout with Trigger") {
    auto p = write_tmp("inv1.csv",
                       "HashOwner,HashApp,HashFunction,Trigger,1,2,3\n"
                       "o1,a1,f1,http,1,0,2\n"
                       "o1,a1,f2,timer,3,0,0\n"
                       "o2,a2,f3,http,0,5,0\n");
    auto v = read_all(*open_azure(p));
    REQUIRE(v.size() == 3);
    CHECK(v[0].user == "o1");
    CHECK(v[0].app == "a1");
    CHECK(v[0].time_s == 0);
    CHECK(v[0].requests == 4);
    CHECK(v[1].app == "a2");
    CHECK(v[1].time_s == 60);
    CHECK(v[2].time_s == 120);
    CHECK(v[2].requests == 2);
  }
  SECTION("minute_ columns, no Trigger, subset of minutes") {
    auto p = write_tmp("inv2.csv",
                       "HashOwner,HashApp,HashFunction,minute_480,minute_481\n"
                       "o1,a1,f1,0,7\n");
    auto v = read_all(*open_azure(p));
    REQUIRE(v.size() == 1);
    CHECK(v[0].time_s == 480 * 60.0);
    CHECK(v[0].requests == 7);
  }
  SECTION("malformed lines") {
    auto p = write_tmp("inv3.csv",
                       "HashOwner,HashApp,480,481\n"
                       "o1,a1,1,2\n"
                       "o1,a1,1\n"
                       "o2,a2,-1,0\n");
    CHECK(error_of([&] { open_azure(p); }) == p + ":3: expected 4 fields, found 3");
    auto r = open_azure(p, {true});
    CHECK(read_all(*r).size() == 2);
    CHECK(r->skipped() == 2);
  }
}

namespace {
/// The in-process evaluator over a whole trace (the library engine).
prescient::predict::eval_report evaluate(const std::string& path, const std::string& format) {
  auto r = open_trace(format, path);
  std::unordered_map<std::string, std::uint32_t> ids;
  auto id = [&](const std::string& s) { return ids.emplace(s, ids.size() + 1).first->second; };
  prescient::predict::evaluator ev;
  trace_event te;
  while (r->next(te)) {
    prescient::predict::eval_event e;
    e.time_s = te.time_s;
    e.user = id("u:" + te.user);
    e.app = id("a:" + te.app);
    e.device = id("d:" + te.device);
    e.session = id("s:" + te.user + te.session);
    ev.add(e);
  }
  return ev.report();
}
std::string run_eval(const std::string& path, const std::string& format) {
  return prescient::predict::to_json(evaluate(path, format));
}
} // namespace

TEST_CASE("replay is deterministic") {
  std::string text = "time_s,user,device,session,app\n";
  for (int i = 0; i < 2000; ++i)
    text += std::to_string(i * 7) + ",u" + std::to_string(i % 4) + ",tty,s" + std::to_string(i / 50) +
            ",app" + std::to_string((i * i + i / 3) % 9) + "\n";
  auto p = write_tmp("det.csv", text);
  auto a = run_eval(p, "events"), b = run_eval(p, "events");
  CHECK(a == b);
  CHECK(a.rfind("{\"events\":2000,\"users\":4,\"models\":{", 0) == 0);
}

TEST_CASE("greenberg dev data reaches the targets (skips without data)") {
  std::string path = PRESCIENT_SOURCE_DIR "/../shared/data/greenberg-unix/events-dev.csv";
  if (!fs::exists(path)) {
    WARN("no dev data; skipped");
    return;
  }
  auto rep = evaluate(path, "events");
  const prescient::predict::model_metrics *m1 = nullptr, *p = nullptr;
  for (auto& m : rep.models) {
    if (m.name == "markov1") m1 = &m;
    if (m.name == "prescient") p = &m;
  }
  REQUIRE(m1);
  REQUIRE(p);
  CHECK(p->top1 >= 0.32);
  CHECK(p->top3 >= 0.55);
  CHECK(p->logloss < m1->logloss);
  CHECK(p->ece <= 0.05);
  CHECK(p->timing_coverage80 == Approx(0.8).margin(0.05));
}

// ---- prescient-replay predict, which drives the node's actors
namespace {
struct run_result {
  int status = -1;
  std::string out;
};
run_result run_replay(const std::string& args) {
  auto cmd = std::string(PRESCIENT_BIN_DIR) + "/prescient-replay " + args + " 2>&1";
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
double metric(const nlohmann::json& j, const char* model, const char* key) {
  return j.at("models").at(model).at(key).get<double>();
}
} // namespace

TEST_CASE("predict through the actors: deterministic, paired request/launch counted once") {
  std::string text = "time_s,user,device,session,app,kind,cpu_millicores\n";
  int uses = 0;
  for (int i = 0; i < 1500; ++i) {
    auto t = std::to_string(1'700'000'000 + i * 90);
    auto user = "u" + std::to_string(i % 5);
    auto app = "app" + std::to_string((i * i + i / 7) % 6);
    if (i % 3 == 0) {  // request, then the launch it was granted for
      text += t + "," + user + ",pc,s" + std::to_string(i / 40) + "," + app + ",request,\n";
      text += t + "," + user + ",pc,s" + std::to_string(i / 40) + "," + app + ",launch,\n";
    } else {
      text += t + "," + user + ",pc,s" + std::to_string(i / 40) + "," + app + ",launch,\n";
    }
    text += t + "," + user + ",pc,s" + std::to_string(i / 40) + "," + app + ",close,250\n";
    ++uses;
  }
  auto p = write_tmp("actors.csv", text);
  auto a = run_replay("predict --format events --trace " + p + " --json --shards 8");
  auto b = run_replay("predict --format events --trace " + p + " --json --shards 8");
  REQUIRE(a.status == 0);
  CHECK(a.out == b.out);
  auto j = nlohmann::json::parse(a.out);
  CHECK(j.at("events") == uses);
  CHECK(j.at("users") == 5);
  for (auto* m : {"most_frequent", "markov1", "mixture", "prescient"})
    CHECK(j.at("models").contains(m));
  CHECK(metric(j, "prescient", "top3") >= metric(j, "most_frequent", "top3"));
}

TEST_CASE("predict refuses bad flags and bad rows with a reason") {
  auto p = write_tmp("ok.csv", "time_s,user,device,session,app\n1,u,d,s,a\n");
  auto r = run_replay("predict --format events --trace " + p + " --engine warp");
  CHECK(r.status == 2);
  CHECK(r.out.find("unknown --engine 'warp'") != std::string::npos);
  r = run_replay("predict --format events --trace " + p + " --shards 0");
  CHECK(r.status == 2);
  CHECK(r.out.find("--shards must be 1..4096") != std::string::npos);
  auto bad = write_tmp("bad.csv", "time_s,user,device,session,app\n1,u,d,s,a\nx,u,d,s,a\n");
  r = run_replay("predict --format events --trace " + bad + " --json");
  CHECK(r.status == 2);
  CHECK(r.out.find(bad + ":3:") != std::string::npos);
  r = run_replay("predict --format events --trace " + bad + " --json --skip-bad");
  REQUIRE(r.status == 0);
  CHECK(nlohmann::json::parse(r.out).at("skipped") == 1);
}

TEST_CASE("greenberg dev data through the actors reaches the targets (skips without data)") {
  std::string path = PRESCIENT_SOURCE_DIR "/../shared/data/greenberg-unix/events-dev.csv";
  if (!fs::exists(path)) {
    WARN("no dev data; skipped");
    return;
  }
  auto r = run_replay("predict --format events --trace " + path + " --json");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(metric(j, "prescient", "top1") >= 0.32);
  CHECK(metric(j, "prescient", "top3") >= 0.55);
  CHECK(metric(j, "prescient", "logloss") < metric(j, "markov1", "logloss"));
  CHECK(metric(j, "prescient", "ece") <= 0.05);
}
