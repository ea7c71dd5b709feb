// `prescient-replay allocate`: keep-alive / pre-warm policies replayed on
// the Azure Functions 2019 trace in the model of Shahrad et al. (ATC 2020),
// Prescient's policy beside the baselines in the same run.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "allocate_run.hpp"
#include "command.hpp"
#include "prescient/allocate/policy_spec.hpp"
#include "prescient/replay/broker_replay.hpp"
#include "prescient/traces/trace_reader.hpp"

namespace prescient::replay {

namespace {

namespace al = prescient::allocate;

const char* const allocate_help = R"(The model (Shahrad et al., USENIX ATC 2020), so figures compare with theirs:
  * the unit is the app: its functions' per-minute counts summed; its memory
    is AverageAllocatedMb (the largest of its functions' when memory.csv is
    keyed per function; apps without a row get the median, counted on
    stderr); time is in whole minutes;
  * an invocation in minute t is cold when the app is not loaded in t; of
    several invocations in one minute only the first can be cold; each app's
    first invocation is always cold;
  * idle time = empty minutes between two invocation minutes; a window
    (PW, KA) after an invocation in minute m keeps the app loaded in minutes
    m+1+j for PW <= j < KA (keepalive:K = (0, K));
  * wasted memory = the app's memory (MB / 1024) for every minute of the
    trace's span it is loaded without an invocation, in GB-minutes (minutes
    past the trace's last minute are not counted).
Policies: reactive, keepalive:<N>m, hybrid-histogram (4 h histogram of idle
times in 1-minute bins; PW = 5th percentile's bin lower edge less 10%
(floor), KA = 99th percentile's bin upper edge plus 10% (ceil), nearest-rank
percentiles; fewer than 10 in-range idle times or a bin-count CV below 2:
(0, 240); more than half of the idle times >= 4 h: ARIMA(0,1,1) (simple
exponential smoothing, alpha fitted per call) predicts the next idle time p,
window (floor(0.85 p), ceil(1.15 p))), prescient[:<C>] (per app, the window
minimising C GB-min per cold start + expected idle memory, on a predicted
idle-time distribution: what followed similar idle times, the app's decayed
idle-time histogram, and for new apps priors pooled online over the owner's
apps and the trigger type; C defaults to 40; larger C, fewer cold starts).
JSON: {"invocations","apps","policies":{NAME:{"cold_starts",
"avoidable_cold_starts" (without each app's first invocation),
"cold_start_share" (percent of invocations), "app_cold_start_p50|p75|p90"
(nearest-rank percentiles over apps of the app's cold starts / invocations,
in percent, as in Shahrad's CDF), "wasted_gb_min", "wasted_vs_keepalive10"
(wasted_gb_min / that of keepalive:10m in the same run)}}}; --sweep adds
"sweep":{FAMILY:[{"param","avoidable_cold_starts","wasted_gb_min"}...]}.
Engines: --engine brokers (the default) replays through the real broker
actors in event time (apps partitioned over --brokers N of them by hash): the
policies decide each window, a broker holds it (a hold at the window's start
until its end), every invocation minute is a claim (a warm grant from the
hold, else a reactive = cold one) released at the end of its minute, and
wasted memory is the brokers' idle warm capacity (held until claimed or
expired). --engine library runs the same policies in the pure simulator; the
two agree on every figure (the tests check it). --sweep's many points always
use the library engine. The table's first line gives the replay time.
Deterministic: two runs print the same bytes.
Exit codes: 0 ok, 2 bad input (flags, missing file, unknown policy, malformed
line reported as FILE:LINE: reason unless --skip-bad), 1 other failures.)";

struct options {
  std::string format, invocations, memory, durations, policies, report;
  std::string engine = "brokers";
  std::string brokers = "2";
  bool sweep = false, json = false, skip_bad = false;
};

int bad(const std::string& msg) {
  std::cerr << "prescient-replay allocate: " << msg << '\n';
  return 2;
}

/// Rounds for printing, so the JSON carries figures, not float noise.
/// Dividing by the power of ten (not multiplying by its inverse) gives the
/// double nearest the decimal, which JSON then prints short.
double round_to(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}

policy_result evaluate(const al::simulator& sim, const al::policy_spec& spec) {
  auto factory = al::make_policy(spec);
  auto per_app = sim.run(*factory);
  return {spec.name, al::summarize(per_app), al::app_cold_start_shares(per_app), 0};
}

/// The same figures, from the brokers: cold starts per app from their
/// grants, waste from their idle warm capacity.
policy_result evaluate(const al::trace& t, const broker_replay_options& o, const al::policy_spec& spec) {
  auto factory = al::make_policy(spec);
  auto r = replay_through_brokers(t, *factory, o);
  policy_result out{spec.name, al::summarize(r.per_app), al::app_cold_start_shares(r.per_app), 0};
  out.s.wasted_gb_min = r.wasted_gb_min;
  return out;
}

std::vector<sweep_curve> run_sweeps(const al::simulator& sim, const std::vector<al::policy_spec>& specs) {
  using fam = al::policy_spec::family;
  auto wanted = [&](fam f) {
    for (auto& s : specs)
      if (s.kind == f) return true;
    return false;
  };
  auto point = [&](const al::policy_spec& s, std::string param, double value) {
    auto r = evaluate(sim, s);
    return sweep_point{std::move(param), value, r.s.avoidable_cold_starts, r.s.wasted_gb_min};
  };
  std::vector<sweep_curve> curves;
  if (wanted(fam::keepalive)) {
    sweep_curve c{"keepalive", true, {}};
    for (int k : {1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240}) {
      al::policy_spec s;
      s.kind = fam::keepalive;
      s.keepalive = k;
      c.points.push_back(point(s, std::to_string(k), k));
    }
    curves.push_back(std::move(c));
  }
  if (wanted(fam::hybrid)) {
    sweep_curve c{"hybrid-histogram", false, {}};
    for (int range : {60, 120, 240, 480})
      for (double tail : {95.0, 99.0, 100.0}) {
        al::policy_spec s;
        s.kind = fam::hybrid;
        s.hybrid.range = range;
        s.hybrid.tail = tail;
        std::ostringstream p;
        p << "range=" << range << ",tail=" << tail;
        c.points.push_back(point(s, p.str(), range));
      }
    curves.push_back(std::move(c));
  }
  if (wanted(fam::prescient)) {
    sweep_curve c{"prescient", true, {}};
    for (double gbmin : {0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0}) {
      al::policy_spec s;
      s.kind = fam::prescient;
      s.prescient.cold_start_gb_min = gbmin;
      std::ostringstream p;
      p << gbmin;
      c.points.push_back(point(s, p.str(), gbmin));
    }
    curves.push_back(std::move(c));
  }
  return curves;
}

nlohmann::ordered_json to_json(const std::vector<policy_result>& results, const al::summary& all,
                               const std::vector<sweep_curve>* curves) {
  nlohmann::ordered_json j;
  j["invocations"] = all.invocations;
  j["apps"] = all.apps;
  auto& pol = j["policies"] = nlohmann::ordered_json::object();
  for (auto& r : results)
    pol[r.name] = {{"cold_starts", r.s.cold_starts},
                   {"avoidable_cold_starts", r.s.avoidable_cold_starts},
                   {"cold_start_share", round_to(r.s.cold_start_share, 4)},
                   {"app_cold_start_p50", round_to(r.s.app_cold_start_p50, 4)},
                   {"app_cold_start_p75", round_to(r.s.app_cold_start_p75, 4)},
                   {"app_cold_start_p90", round_to(r.s.app_cold_start_p90, 4)},
                   {"wasted_gb_min", round_to(r.s.wasted_gb_min, 3)},
                   {"wasted_vs_keepalive10", round_to(r.wasted_vs_keepalive10, 4)}};
  if (curves) {
    auto& sw = j["sweep"] = nlohmann::ordered_json::object();
    for (auto& c : *curves) {
      auto& arr = sw[c.family] = nlohmann::ordered_json::array();
      for (auto& p : c.points) {
        nlohmann::ordered_json param = c.numeric ? nlohmann::ordered_json(p.value) : nlohmann::ordered_json(p.param);
        arr.push_back({{"param", param},
                       {"avoidable_cold_starts", p.avoidable_cold_starts},
                       {"wasted_gb_min", round_to(p.wasted_gb_min, 3)}});
      }
    }
  }
  return j;
}

void print_table(const std::vector<policy_result>& results, const al::summary& all, const std::string& engine,
                 double seconds) {
  std::cout << "apps " << all.apps << ", invocations " << all.invocations << ", engine " << engine << ", "
            << std::fixed << std::setprecision(2) << seconds << " s\n";
  std::cout << std::left << std::setw(20) << "policy" << std::right << std::setw(10) << "cold" << std::setw(11)
            << "avoidable" << std::setw(9) << "share%" << std::setw(8) << "p50%" << std::setw(8) << "p75%"
            << std::setw(8) << "p90%" << std::setw(13) << "wasted GBmin" << std::setw(9) << "vs ka10" << '\n';
  for (auto& r : results)
    std::cout << std::left << std::setw(20) << r.name << std::right << std::setw(10) << r.s.cold_starts
              << std::setw(11) << r.s.avoidable_cold_starts << std::setw(9) << std::setprecision(3)
              << r.s.cold_start_share << std::setw(8) << std::setprecision(1) << r.s.app_cold_start_p50
              << std::setw(8) << r.s.app_cold_start_p75 << std::setw(8) << r.s.app_cold_start_p90 << std::setw(13)
              << r.s.wasted_gb_min << std::setw(9) << std::setprecision(3) << r.wasted_vs_keepalive10 << '\n';
}

void print_curves(const std::vector<sweep_curve>& curves) {
  for (auto& c : curves) {
    std::cout << "\nsweep " << c.family << " (param, avoidable cold starts, wasted GB-min)\n";
    for (auto& p : c.points)
      std::cout << "  " << std::left << std::setw(22) << p.param << std::right << std::setw(10)
                << p.avoidable_cold_starts << std::setw(14) << std::fixed << std::setprecision(1) << p.wasted_gb_min
                << '\n';
  }
}

int run(const options& o, const std::vector<std::string>& extra) {
  namespace fs = std::filesystem;
  if (!extra.empty()) return bad("unknown argument '" + extra.front() + "'");
  if (o.format != "azure") return bad("--format must be azure (got '" + o.format + "')");
  if (o.invocations.empty()) return bad("--invocations FILE is required");
  if (o.memory.empty()) return bad("--memory FILE is required");
  if (o.policies.empty()) return bad("--policy P[,P...] is required");
  if (o.engine != "brokers" && o.engine != "library")
    return bad("--engine must be brokers or library (got '" + o.engine + "')");
  int brokers = 0;
  {
    std::size_t used = 0;
    try {
      brokers = std::stoi(o.brokers, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != o.brokers.size() || brokers < 1 || brokers > 64)
      return bad("--brokers must be a whole number in 1..64 (got '" + o.brokers + "')");
  }
  std::error_code ec;
  for (auto* f : {&o.invocations, &o.memory, &o.durations})
    if (!f->empty() && !fs::exists(*f, ec)) return bad("no such file: " + *f);
  std::vector<al::policy_spec> specs;
  {
    std::stringstream ss(o.policies);
    std::string name, error;
    while (std::getline(ss, name, ',')) {
      al::policy_spec s;
      if (!al::parse_policy(name, s, error)) return bad(error);
      for (auto& prev : specs)
        if (prev.name == name) return bad("policy '" + name + "' given twice");
      specs.push_back(s);
    }
    if (specs.empty()) return bad("--policy P[,P...] is required");
  }
  input_stats stats;
  al::trace t;
  try {
    t = read_allocate_input(o.invocations, o.memory, o.durations, o.skip_bad, stats);
  } catch (const traces::trace_error& e) {
    return bad(e.what());
  }
  if (stats.skipped) std::cerr << "allocate: skipped " << stats.skipped << " malformed line(s)\n";
  if (stats.memory_defaulted)
    std::cerr << "allocate: " << stats.memory_defaulted << " app(s) without memory; given the median\n";

  const auto t0 = std::chrono::steady_clock::now();
  al::simulator sim(t);
  broker_replay_options bro;
  bro.brokers = static_cast<std::uint32_t>(brokers);
  auto run_one = [&](const al::policy_spec& s) {
    return o.engine == "brokers" ? evaluate(t, bro, s) : evaluate(sim, s);
  };
  std::vector<policy_result> results;
  for (auto& s : specs) results.push_back(run_one(s));
  al::policy_spec ka10;
  ka10.kind = al::policy_spec::family::keepalive;
  ka10.keepalive = 10;
  ka10.name = "keepalive:10m";
  const policy_result* base = nullptr;
  for (auto& r : results)
    if (r.name == ka10.name) base = &r;
  const policy_result base_run = base ? *base : run_one(ka10);
  for (auto& r : results)
    r.wasted_vs_keepalive10 = base_run.s.wasted_gb_min > 0 ? r.s.wasted_gb_min / base_run.s.wasted_gb_min : 0;
  std::vector<sweep_curve> curves;
  if (o.sweep) curves = run_sweeps(sim, specs);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const al::summary& all = base_run.s;  // invocations and apps do not depend on the policy
  if (o.json) {
    std::cout << to_json(results, all, o.sweep ? &curves : nullptr).dump() << '\n';
    // Not in the JSON, which stays byte-identical from run to run.
    std::cerr << "allocate: engine " << o.engine << ", " << std::fixed << std::setprecision(2) << seconds << " s\n";
  }
  else {
    print_table(results, all, o.engine, seconds);
    if (o.sweep) print_curves(curves);
  }
  if (!o.report.empty()) {
    std::string error;
    if (!write_allocate_report(o.report, results, curves, all.invocations, all.apps, error)) {
      std::cerr << "prescient-replay allocate: " << error << '\n';
      return 1;
    }
  }
  return 0;
}

} // namespace

command add_allocate_command(CLI::App& app) {
  auto* sub = app.add_subcommand("allocate", "keep-alive / pre-warm policies on the Azure Functions trace");
  sub->footer(allocate_help);
  auto o = std::make_shared<options>();
  // Flags are checked in run(), so bad input exits 2 with one line.
  sub->allow_extras(true);
  sub->add_option("--format", o->format, "trace format: azure");
  sub->add_option("--invocations", o->invocations, "invocations.csv (per function and minute)");
  sub->add_option("--memory", o->memory, "memory.csv (AverageAllocatedMb per app or function)");
  sub->add_option("--durations", o->durations, "durations.csv (checked and counted; the minute model needs none)");
  sub->add_option("--policy", o->policies, "policies, comma-separated: reactive, keepalive:<N>m, hybrid-histogram, prescient[:<C>]");
  sub->add_option("--engine", o->engine, "brokers (default: through the real broker actors) or library (the simulator)");
  sub->add_option("--brokers", o->brokers, "broker actors the apps are partitioned over (--engine brokers; default 2)");
  sub->add_flag("--sweep", o->sweep, "trace each policy family's curve of avoidable cold starts vs wasted memory (library engine)");
  sub->add_flag("--json", o->json, "print the figures as one JSON object");
  sub->add_option("--report", o->report, "write DIR/index.html: curves and per-app CDFs (inline SVG)");
  sub->add_flag("--skip-bad", o->skip_bad, "skip and count malformed lines instead of stopping");
  return {sub, [o, sub] { return run(*o, sub->remaining()); }};
}

} // namespace prescient::replay
