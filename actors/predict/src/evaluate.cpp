#include "prescient/predict/evaluate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>


namespace prescient::predict {

namespace {
struct user_state {
  baseline_user base;
  user_model um;
  bool has_prev = false;
  double prev_time = 0;
  std::uint32_t prev_device = 0, prev_session = 0;
};
} // namespace

struct evaluator::impl {
  eval_options opt;
  std::map<std::uint32_t, tenant_model> tenants;
  std::unordered_map<std::uint64_t, user_state> users;
  scoreboard board;  // most_frequent, markov1, components..., mixture, prescient
  std::size_t online_first = 0;
  std::uint64_t events = 0;
  double ns = 0;
  scored_set s;
};

evaluator::evaluator(eval_options o) : d_(std::make_unique<impl>()) {
  d_->opt = o;
  d_->board.model("most_frequent");
  d_->board.model("markov1");
  d_->online_first = 2;
  for (auto& n : online_model_names(o.components, o.external != nullptr)) d_->board.model(n);
}

evaluator::~evaluator() = default;

void evaluator::add(const eval_event& e) {
  auto& d = *d_;
  auto& t = d.tenants[e.tenant];
  auto& u = d.users[(std::uint64_t(e.tenant) << 32) | e.user];
  ++d.events;
  const app_id y = e.app;
  u.base.score_and_learn(y, e.time_s, d.board, 0);

  query q{e.time_s, e.device, e.session};
  if (d.opt.strict_context && u.has_prev) q = {u.prev_time, u.prev_device, u.prev_session};
  time_window win = u.um.next_window(t);
  auto t0 = std::chrono::steady_clock::now();
  u.um.score(t, q, d.s, d.opt.external);
  auto t1 = std::chrono::steady_clock::now();
  score_online(u.um, t, d.s, y, d.opt.components, d.opt.external != nullptr, d.board,
               d.online_first);
  if (u.has_prev) {
    double gap = std::max(0.0, e.time_s - u.prev_time);
    for (auto m = d.online_first; m < d.board.size(); ++m) d.board.timing(m, win, gap);
  }

  event ev{e.time_s, y, e.device, e.session, e.requests};
  auto t2 = std::chrono::steady_clock::now();
  u.um.observe(t, ev, e.has_usage ? &e.use : nullptr, &d.s, d.opt.external);
  auto t3 = std::chrono::steady_clock::now();
  d.ns += std::chrono::duration<double, std::nano>((t1 - t0) + (t3 - t2)).count();
  u.has_prev = true;
  u.prev_time = e.time_s;
  u.prev_device = e.device;
  u.prev_session = e.session;
}

eval_report evaluator::report() const {
  eval_report r;
  r.events = d_->events;
  r.users = d_->users.size();
  r.models = d_->board.metrics();
  double m1_ns = 0;
  for (auto& [k, u] : d_->users) m1_ns += u.base.markov1_ns();
  if (r.events) {
    r.us_per_event = d_->ns / 1000.0 / double(r.events);
    r.markov1_us_per_event = m1_ns / 1000.0 / double(r.events);
  }
  double bytes = 0, mem = 0;
  for (auto& [k, u] : d_->users) {
    std::string s;
    u.um.save(s);
    bytes += double(s.size());
    mem += double(u.um.memory_bytes());
  }
  if (r.users) { r.profile_bytes_mean = bytes / double(r.users); r.profile_mem_mean = mem / double(r.users); }
  return r;
}

namespace {
std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}
} // namespace

std::string to_json(const eval_report& r, std::optional<std::uint64_t> skipped) {
  std::string o = "{\"events\":" + std::to_string(r.events) + ",\"users\":" + std::to_string(r.users);
  if (skipped) o += ",\"skipped\":" + std::to_string(*skipped);
  o += ",\"models\":{";
  bool first = true;
  for (auto& m : r.models) {
    if (!first) o += ',';
    first = false;
    o += "\"" + m.name + "\":{\"top1\":" + num(m.top1) + ",\"top3\":" + num(m.top3) +
         ",\"top5\":" + num(m.top5) + ",\"mrr\":" + num(m.mrr) + ",\"logloss\":" + num(m.logloss) +
         ",\"ece\":" + num(m.ece) + ",\"timing_coverage80\":" + num(m.timing_coverage80) +
         ",\"timing_window_s_median\":" + num(m.timing_window_s_median) + "}";
  }
  o += "}}";
  return o;
}

std::string to_table(const eval_report& r, std::optional<std::uint64_t> skipped) {
  std::string o;
  char b[256];
  std::snprintf(b, sizeof b, "events %llu   users %llu", (unsigned long long)r.events,
                (unsigned long long)r.users);
  o += b;
  if (skipped) o += "   skipped " + std::to_string(*skipped);
  o += "\n\n";
  std::snprintf(b, sizeof b, "%-16s %7s %7s %7s %7s %8s %7s %9s %12s\n", "model", "top1", "top3", "top5",
                "mrr", "logloss", "ece", "cover80", "window_s_med");
  o += b;
  for (auto& m : r.models) {
    std::snprintf(b, sizeof b, "%-16s %7.4f %7.4f %7.4f %7.4f %8.4f %7.4f %9.4f %12.1f\n", m.name.c_str(),
                  m.top1, m.top3, m.top5, m.mrr, m.logloss, m.ece, m.timing_coverage80,
                  m.timing_window_s_median);
    o += b;
  }
  std::snprintf(b, sizeof b,
                "\ncost per event (predict + learn, same run): prescient %.2f us, markov1 %.2f us\n"
                "prescient model per user (mean): %.0f bytes serialized, ~%.0f bytes resident\n",
                r.us_per_event, r.markov1_us_per_event, r.profile_bytes_mean, r.profile_mem_mean);
  o += b;
  return o;
}

} // namespace prescient::predict
