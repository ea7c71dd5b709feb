#include "prescient/predict/evaluate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "prescient/predict/baselines.hpp"

namespace prescient::predict {

namespace {
constexpr double p_floor = 1e-6;
constexpr int ece_bins = 15;

struct acc {
  std::string name;
  std::uint64_t n = 0, h1 = 0, h3 = 0, h5 = 0;
  double rr = 0, ll = 0;
  std::array<double, ece_bins> conf{}, hit{};
  std::array<std::uint64_t, ece_bins> cnt{};
  std::uint64_t tn = 0, tcov = 0;
  std::vector<float> widths;

  void add(std::size_t rank /*1-based, 0 = absent*/, double p, double top_conf, bool top_hit) {
    ++n;
    if (rank == 1) ++h1;
    if (rank >= 1 && rank <= 3) ++h3;
    if (rank >= 1 && rank <= 5) ++h5;
    if (rank >= 1) rr += 1.0 / double(rank);
    ll += -std::log(std::max(std::isfinite(p) ? p : 0.0, p_floor));
    double c = std::clamp(std::isfinite(top_conf) ? top_conf : 0.0, 0.0, 1.0);
    int b = std::min(ece_bins - 1, static_cast<int>(c * ece_bins));
    conf[b] += c;
    hit[b] += top_hit ? 1 : 0;
    ++cnt[b];
  }
  void timing(const time_window& w, double gap) {
    ++tn;
    if (w.valid() && gap >= w.lo && gap <= w.hi) ++tcov;
    widths.push_back(static_cast<float>(w.valid() ? w.hi - w.lo : 0.0));
  }
  model_metrics get() const {
    model_metrics m;
    m.name = name;
    if (n) {
      double N = double(n);
      m.top1 = h1 / N; m.top3 = h3 / N; m.top5 = h5 / N; m.mrr = rr / N; m.logloss = ll / N;
      double e = 0;
      for (int b = 0; b < ece_bins; ++b)
        if (cnt[b]) e += std::abs(hit[b] - conf[b]) / N;
      m.ece = e;
    }
    if (tn) {
      m.timing_coverage80 = double(tcov) / double(tn);
      auto w = widths;
      auto mid = w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2);
      std::nth_element(w.begin(), mid, w.end());
      double med = *mid;
      if (w.size() % 2 == 0) {
        auto lo = *std::max_element(w.begin(), mid);
        med = (med + lo) / 2;
      }
      m.timing_window_s_median = med;
    }
    return m;
  }
};

acc named(std::string n) {
  acc a;
  a.name = std::move(n);
  return a;
}

/// Plain empirical gap quantiles (no decay) for the baselines.
struct baseline_timing {
  std::array<std::uint32_t, gap_bins> h{};
  std::uint64_t n = 0;
  void add(double g) { ++h[gap_bin(g)]; ++n; }
  time_window window() const {
    if (!n) return {};
    auto q = [&](double p) {
      double target = p * double(n), cum = 0;
      for (int b = 0; b < gap_bins; ++b) {
        if (cum + h[b] >= target && h[b] > 0) {
          double f = (target - cum) / h[b];
          double lo = gap_bin_lo(b), hi = gap_bin_hi(b);
          return b == 0 ? f * hi : lo * std::pow(hi / lo, f);
        }
        cum += h[b];
      }
      return gap_bin_hi(gap_bins - 1);
    };
    return {q(0.1), q(0.9)};
  }
};

struct user_state {
  most_frequent mf;
  markov1 m1;
  baseline_timing bt;
  user_model um;
  bool has_prev = false;
  double prev_time = 0;
  std::uint32_t prev_device = 0, prev_session = 0;
};

// rank of `y` in a list of (app, p) ranked by p desc, app asc; 0 when absent
template <class F>
std::size_t rank_in(std::size_t n, F&& at, app_id y, double py, bool present) {
  if (!present) return 0;
  std::size_t r = 1;
  for (std::size_t i = 0; i < n; ++i) {
    auto [a, p] = at(i);
    if (a != y && (p > py || (p == py && a < y))) ++r;
  }
  return r;
}
} // namespace

struct evaluator::impl {
  eval_options opt;
  std::map<std::uint32_t, tenant_model> tenants;
  std::unordered_map<std::uint64_t, user_state> users;
  std::vector<acc> accs;  // most_frequent, markov1, components..., mixture, prescient
  std::vector<int> comp_of_acc;
  std::uint64_t events = 0;
  double ns = 0, m1_ns = 0;
  scored_set s;
  std::vector<scored_app> tmp;
};

evaluator::evaluator(eval_options o) : d_(std::make_unique<impl>()) {
  d_->opt = o;
  d_->accs.push_back(named("most_frequent"));
  d_->accs.push_back(named("markov1"));
  if (o.components)
    for (int k = 0; k < component_count; ++k) {
      if (k == c_external && !o.external) continue;
      d_->accs.push_back(named(std::string("c_") + component_name(k)));
      d_->comp_of_acc.push_back(k);
    }
  d_->accs.push_back(named("mixture"));
  d_->accs.push_back(named("prescient"));
}

evaluator::~evaluator() = default;

void evaluator::add(const eval_event& e) {
  auto& d = *d_;
  auto& t = d.tenants[e.tenant];
  auto& u = d.users[(std::uint64_t(e.tenant) << 32) | e.user];
  ++d.events;
  const app_id y = e.app;
  const double gap = u.has_prev ? std::max(0.0, e.time_s - u.prev_time) : 0.0;

  // ---- baselines
  {
    auto& tmp = d.tmp;
    u.mf.predict(1, tmp);
    double py = u.mf.prob(y);
    std::size_t r = 0;
    if (py > 0) {
      u.mf.predict(1u << 20, tmp);
      r = rank_in(tmp.size(), [&](std::size_t i) { return std::pair{tmp[i].app, tmp[i].p}; }, y, py, true);
    }
    double c = 0;
    bool hit = false;
    u.mf.predict(1, tmp);
    if (!tmp.empty()) { c = tmp[0].p; hit = tmp[0].app == y; }
    d.accs[0].add(r, py, c, hit);

    py = u.m1.prob(y);
    r = 0;
    if (py > 0) {
      u.m1.predict(1u << 20, tmp);
      r = rank_in(tmp.size(), [&](std::size_t i) { return std::pair{tmp[i].app, tmp[i].p}; }, y, py, true);
    }
    c = 0; hit = false;
    auto m0 = std::chrono::steady_clock::now();
    u.m1.predict(1, tmp);
    d.m1_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - m0).count();
    if (!tmp.empty()) { c = tmp[0].p; hit = tmp[0].app == y; }
    d.accs[1].add(r, py, c, hit);
  }

  // ---- online models
  query q{e.time_s, e.device, e.session};
  if (d.opt.strict_context && u.has_prev) q = {u.prev_time, u.prev_device, u.prev_session};
  time_window win = u.um.next_window(t);
  auto t0 = std::chrono::steady_clock::now();
  u.um.score(t, q, d.s, d.opt.external);
  auto t1 = std::chrono::steady_clock::now();
  auto& s = d.s;
  const std::size_t C = s.cand.size();
  auto it = std::lower_bound(s.cand.begin(), s.cand.end(), y);
  bool present = it != s.cand.end() && *it == y;
  std::size_t yc = present ? std::size_t(it - s.cand.begin()) : 0;
  std::size_t ai = 2;
  for (int k : d.comp_of_acc) {
    double py = u.um.prob(t, s, k, y);
    double best = -1; app_id ba = no_app;
    for (std::size_t c = 0; c < C; ++c) {
      double p = s.p(k, c);
      if (p > best || (p == best && s.cand[c] < ba)) { best = p; ba = s.cand[c]; }
    }
    auto r = rank_in(C, [&](std::size_t c) { return std::pair{s.cand[c], s.p(k, c)}; }, y, py,
                     present && s.p(k, yc) > 0);
    d.accs[ai++].add(r, py, std::max(best, 0.0), ba == y);
  }
  {
    double py = u.um.prob(t, s, -1, y);
    std::size_t r = 0;  // rank of y by (mixture desc, app asc), as the full order would be
    if (present) {
      r = 1;
      const double my = s.mix[yc];
      for (std::size_t c = 0; c < C; ++c)
        if (s.mix[c] > my || (s.mix[c] == my && c < yc)) ++r;
    }
    bool hit = C && s.cand[s.order[0]] == y;
    d.accs[ai++].add(r, py, s.raw_conf, hit);
    d.accs[ai++].add(r, u.um.calibrated_prob(t, s, y), s.conf, hit);
  }
  if (u.has_prev) {
    auto bw = u.bt.window();
    d.accs[0].timing(bw, gap);
    d.accs[1].timing(bw, gap);
    for (std::size_t i = 2; i < d.accs.size(); ++i) d.accs[i].timing(win, gap);
  }

  // ---- learn
  event ev{e.time_s, y, e.device, e.session, e.requests};
  auto t2 = std::chrono::steady_clock::now();
  u.um.observe(t, ev, e.has_usage ? &e.use : nullptr, &s, d.opt.external);
  auto t3 = std::chrono::steady_clock::now();
  d.ns += std::chrono::duration<double, std::nano>((t1 - t0) + (t3 - t2)).count();
  u.mf.update(y);
  auto m0 = std::chrono::steady_clock::now();
  u.m1.update(y);
  d.m1_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - m0).count();
  if (u.has_prev) u.bt.add(gap);
  u.has_prev = true;
  u.prev_time = e.time_s;
  u.prev_device = e.device;
  u.prev_session = e.session;
}

eval_report evaluator::report() const {
  eval_report r;
  r.events = d_->events;
  r.users = d_->users.size();
  for (auto& a : d_->accs) r.models.push_back(a.get());
  if (r.events) {
    r.us_per_event = d_->ns / 1000.0 / double(r.events);
    r.markov1_us_per_event = d_->m1_ns / 1000.0 / double(r.events);
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
