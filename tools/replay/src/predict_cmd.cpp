// `prescient-replay predict`: prequential next-app and launch-timing
// evaluation of Prescient's online models beside the baselines.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unordered_map>

#include "command.hpp"
#include "prescient/predict/evaluate.hpp"
#include "prescient/traces/trace_reader.hpp"

namespace prescient::replay {

namespace {

const char* const predict_help = R"(Prequential evaluation: every event is predicted by every model from what it
learned so far, then learned. Deterministic.

Prediction targets:
  events / eventlog  every row is one use of an app by the user (kind, when
                     present, is not used to filter: every row is a target);
  azure              every minute in which an app was invoked by its owner
                     (functions of the app summed) is one target, at the
                     minute's start; owner = user, one tenant.
Rows are replayed in time order (stable for equal times).

Models: most_frequent, markov1 (baselines), c_* (each component of the
online sequence model), mixture (their learned online mixture, raw),
prescient (the production model: mixture + online calibration).
Metrics: top1/top3/top5, mrr, logloss (p floored at 1e-6), ece (15 bins,
top-1 confidence), timing_coverage80 (share of targets whose gap since the
user's previous event falls in the 80% window predicted after that event),
timing_window_s_median (median window width, seconds).
By default the target's time, device and session are known when its app is
predicted; --strict-context uses only what was known after the previous event.)";

struct interner {
  std::unordered_map<std::string, std::uint32_t> ids;
  std::uint32_t id(const std::string& s) {
    auto [it, fresh] = ids.emplace(s, static_cast<std::uint32_t>(ids.size() + 1));
    return it->second;
  }
};

class progress {
public:
  explicit progress(std::size_t total) : total_(total), tty_(isatty(STDERR_FILENO) != 0) {}
  void tick(std::size_t done) {
    if (total_ < 20000 || (done & 1023) != 0) return;
    auto now = std::chrono::steady_clock::now();
    double since = std::chrono::duration<double>(now - last_).count();
    if (since < (tty_ ? 0.2 : 5.0)) return;
    last_ = now;
    double f = double(done) / double(total_);
    if (tty_) {
      int w = 40, full = static_cast<int>(f * w);
      std::fprintf(stderr, "\r[%s%s] %5.1f%% %zu/%zu", std::string(full, '#').c_str(),
                   std::string(w - full, '.').c_str(), 100 * f, done, total_);
    } else {
      std::fprintf(stderr, "predict: %zu/%zu events (%.0f%%)\n", done, total_, 100 * f);
    }
    shown_ = true;
  }
  void finish() {
    if (shown_ && tty_) std::fprintf(stderr, "\r%*s\r", 70, "");
  }
private:
  std::size_t total_;
  bool tty_, shown_ = false;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

struct opts {
  std::string format = "events", trace;
  bool json = false, skip_bad = false, strict = false;
};

int run(const opts& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(o.trace, ec)) {
    std::cerr << "prescient-replay: predict: no such file: " << o.trace << '\n';
    return 2;
  }
  std::vector<predict::eval_event> events;
  std::uint64_t skipped = 0;
  try {
    auto r = traces::open_trace(o.format, o.trace, {o.skip_bad});
    interner tenants, users, apps, devices, sessions;
    traces::trace_event te;
    while (r->next(te)) {
      predict::eval_event e;
      e.time_s = te.time_s;
      e.tenant = tenants.id(te.tenant);
      e.user = users.id(te.tenant + '\x1f' + te.user);
      e.app = apps.id(te.tenant + '\x1f' + te.app);
      e.device = te.device.empty() ? 0 : devices.id(te.device);
      e.session = te.session.empty() ? 0 : sessions.id(te.user + '\x1f' + te.session);
      e.requests = static_cast<float>(te.requests);
      e.has_usage = te.has_usage();
      e.use = {te.cpu_millicores, te.memory_mb, te.disk_iops, te.network_mbps, te.gpus, te.duration_ms};
      events.push_back(e);
    }
    skipped = r->skipped();
  } catch (const traces::trace_error& e) {
    std::cerr << "prescient-replay: predict: " << e.what() << '\n';
    return 2;
  }
  std::stable_sort(events.begin(), events.end(),
                   [](auto& l, auto& r) { return l.time_s < r.time_s; });
  predict::eval_options eo;
  eo.strict_context = o.strict;
  predict::evaluator ev(eo);
  progress bar(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    ev.add(events[i]);
    bar.tick(i + 1);
  }
  bar.finish();
  auto rep = ev.report();
  std::optional<std::uint64_t> sk;
  if (o.skip_bad) sk = skipped;
  if (o.json) std::cout << predict::to_json(rep, sk) << '\n';
  else std::cout << predict::to_table(rep, sk);
  return 0;
}

} // namespace

command add_predict_command(CLI::App& app) {
  auto* sub = app.add_subcommand("predict", "prequential next-app / launch-timing evaluation");
  sub->footer(predict_help);
  auto o = std::make_shared<opts>();
  // Flags are checked in run(), so bad input exits 2 with one line.
  sub->allow_extras(true);
  sub->add_option("--format", o->format, "trace format: events | eventlog | azure");
  sub->add_option("--trace", o->trace, "trace file (azure: invocations.csv or its directory)");
  sub->add_flag("--json", o->json, "print the report as one JSON object");
  sub->add_flag("--skip-bad", o->skip_bad, "skip and count malformed lines instead of stopping");
  sub->add_flag("--strict-context", o->strict,
                "predict each app from what was known after the previous event only");
  return {sub, [o, sub] {
            auto extra = sub->remaining();
            if (!extra.empty()) {
              std::cerr << "prescient-replay: predict: unknown argument '" << extra.front() << "'\n";
              return 2;
            }
            if (o->trace.empty()) {
              std::cerr << "prescient-replay: predict: --trace PATH is required\n";
              return 2;
            }
            if (o->format != "events" && o->format != "eventlog" && o->format != "azure") {
              std::cerr << "prescient-replay: predict: unknown --format '" << o->format
                        << "' (events, eventlog, azure)\n";
              return 2;
            }
            return run(*o);
          }};
}

} // namespace prescient::replay
