// `prescient-replay predict`: prequential next-app and launch-timing
// evaluation of Prescient's online models beside the baselines.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unordered_map>

#include "actor_replay.hpp"
#include "command.hpp"
#include "prescient/predict/uses.hpp"
#include "prescient/wire/validate.hpp"
#include "prescient/predict/evaluate.hpp"
#include "prescient/traces/trace_reader.hpp"

namespace prescient::replay {

namespace {

const char* const predict_help = R"(Prequential evaluation: every event is predicted by every model from what it
learned so far, then learned. Deterministic.

The events drive the node's real actors (router, shard actors hosting the
user profiles, RocksDB in a scratch directory) in event time, as fast as
they go; the shards score the predictions their profiles make. The
baselines run beside them on the same targets. --engine library runs the
same models in-process without actors (and reports their cost per event).

Prediction targets (uses of an app, see actors/predict/.../uses.hpp):
  events / eventlog  rows of kind launch or request (no kind: launch); a
                     launch right after a request of the same app on the
                     same device is the same use; close rows teach usage;
  azure              every minute in which an app was invoked by its owner
                     (functions of the app summed) is one request, at the
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
predicted; --strict-context (library engine) uses only what was known after
the previous event.)";

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
  std::string format = "events", trace, engine = "actors";
  bool json = false, skip_bad = false, strict = false;
  uint32_t shards = 64;
};

predict::report_kind report_kind_of(const std::string& kind) {
  if (kind.empty() || kind == "launch") return predict::report_kind::launch;
  if (kind == "request") return predict::report_kind::request;
  return predict::report_kind::other;
}

event_kind event_kind_of(const std::string& kind) {
  if (kind == "request") return event_kind::request;
  if (kind == "close") return event_kind::close;
  return event_kind::launch;
}

double or_zero(float v) { return std::isfinite(v) ? v : 0.0; }

/// An id the gateway accepts for any trace id: control characters in caret
/// notation (ESC -> "^["), and an id beyond the size limit cut at a
/// character boundary with a hash of the whole id appended. Real command
/// traces hold both (typed escape sequences, pasted text).
std::string printable(const std::string& id) {
  std::string out;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) {
      out += '^';
      out += static_cast<char>(c ^ 0x40);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (out.size() > limits::max_id_bytes) {
    char tail[20];
    std::snprintf(tail, sizeof tail, "~%016zx", std::hash<std::string>{}(out));
    std::size_t cut = limits::max_id_bytes - std::strlen(tail);
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += tail;
  }
  return out;
}

/// The trace as a front end would send it through the gateway.
usage_event to_usage_event(const traces::trace_event& te) {
  usage_event e;
  e.tenant = te.tenant.empty() ? "default" : printable(te.tenant);
  e.user = printable(te.user);
  e.device = te.device.empty() ? "unknown" : printable(te.device);
  e.app = printable(te.app);
  e.kind = event_kind_of(te.kind);
  e.time_us = static_cast<int64_t>(std::llround(te.time_s * 1e6));
  e.session = te.session.empty() ? 0 : std::hash<std::string>{}(te.session);
  e.usage = {or_zero(te.cpu_millicores), or_zero(te.memory_mb), or_zero(te.disk_iops),
             or_zero(te.network_mbps), or_zero(te.gpus)};
  e.duration_ms = or_zero(te.duration_ms);
  return e;
}

/// Baselines on the actors' targets, in trace order.
predict::scoreboard score_baselines(const std::vector<traces::trace_event>& rows,
                                    std::uint64_t& targets, std::uint64_t& users) {
  struct user_baselines {
    predict::baseline_user base;
    predict::use_filter uses;
  };
  predict::scoreboard board;
  board.model("most_frequent");
  board.model("markov1");
  interner apps, devices;
  std::unordered_map<std::string, user_baselines> per_user;
  for (auto& te : rows) {
    auto kind = report_kind_of(te.kind);
    if (kind == predict::report_kind::other) continue;
    auto& u = per_user[te.tenant + '\x1f' + te.user];
    auto app = apps.id(te.tenant + '\x1f' + te.app);
    if (!u.uses.is_use(kind, app, devices.id(te.device), te.time_s)) continue;
    u.base.score_and_learn(app, te.time_s, board, 0);
    ++targets;
  }
  users = per_user.size();
  return board;
}

/// The models in-process, without actors: every row is scored (the evaluator
/// of actors/predict), with the cost per event.
int run_library(const opts& o, const std::vector<traces::trace_event>& rows,
                std::optional<std::uint64_t> skipped) {
  interner tenants, users, apps, devices, sessions;
  predict::eval_options eo;
  eo.strict_context = o.strict;
  predict::evaluator ev(eo);
  progress bar(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& te = rows[i];
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
    ev.add(e);
    bar.tick(i + 1);
  }
  bar.finish();
  auto rep = ev.report();
  if (o.json) std::cout << predict::to_json(rep, skipped) << '\n';
  else std::cout << predict::to_table(rep, skipped);
  return 0;
}

int run(const opts& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(o.trace, ec)) {
    std::cerr << "prescient-replay: predict: no such file: " << o.trace << '\n';
    return 2;
  }
  std::vector<traces::trace_event> rows;
  std::uint64_t skipped = 0;
  try {
    auto r = traces::open_trace(o.format, o.trace, {o.skip_bad});
    traces::trace_event te;
    while (r->next(te)) rows.push_back(te);
    skipped = r->skipped();
  } catch (const traces::trace_error& e) {
    std::cerr << "prescient-replay: predict: " << e.what() << '\n';
    return 2;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](auto& l, auto& r) { return l.time_s < r.time_s; });
  std::optional<std::uint64_t> sk;
  if (o.skip_bad) sk = skipped;
  if (o.engine == "library" || o.strict) return run_library(o, rows, sk);

  // What the gateway would refuse, the replay refuses too (or skips).
  std::vector<usage_event> events;
  events.reserve(rows.size());
  std::vector<traces::trace_event> kept;
  kept.reserve(rows.size());
  const time_window any_time{}; // a trace is history: any time after the epoch
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto e = to_usage_event(rows[i]);
    if (auto why = check_event(e, any_time)) {
      if (!o.skip_bad) {
        std::cerr << "prescient-replay: predict: " << o.trace << ": event of user '"
                  << rows[i].user << "' at " << rows[i].time_s << ": " << *why << '\n';
        return 2;
      }
      ++skipped;
      continue;
    }
    events.push_back(std::move(e));
    kept.push_back(rows[i]);
  }
  if (o.skip_bad) sk = skipped;
  predict::eval_report rep;
  auto board = score_baselines(kept, rep.events, rep.users);
  actor_replay_options ao;
  ao.shards = o.shards;
  progress bar(events.size());
  ao.progress = [&](std::size_t done) { bar.tick(done); };
  auto start = std::chrono::steady_clock::now();
  try {
    board.merge(replay_through_actors(events, ao));
  } catch (const std::exception& e) {
    bar.finish();
    std::cerr << "prescient-replay: predict: " << e.what() << '\n';
    return 1;
  }
  bar.finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rep.models = board.metrics();
  if (o.json) {
    std::cout << predict::to_json(rep, sk) << '\n';
  } else {
    std::cout << predict::to_table(rep, sk);
    std::printf("\nreplayed %zu events through %u shard actors in %.2f s (%.0f events/s)\n",
                events.size(), o.shards, secs, secs > 0 ? double(events.size()) / secs : 0.0);
  }
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
                "predict each app from what was known after the previous event only (library engine)");
  sub->add_option("--engine", o->engine, "actors (default: the node's actors) | library (in-process models)");
  sub->add_option("--shards", o->shards, "shard actors of the replayed node (default 64, 1..4096)");
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
            if (o->engine != "actors" && o->engine != "library") {
              std::cerr << "prescient-replay: predict: unknown --engine '" << o->engine
                        << "' (actors, library)\n";
              return 2;
            }
            if (o->shards < 1 || o->shards > 4096) {
              std::cerr << "prescient-replay: predict: --shards must be 1..4096\n";
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
