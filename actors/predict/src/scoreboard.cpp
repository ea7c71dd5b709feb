#include "prescient/predict/scoreboard.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace prescient::predict {

namespace {

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

// ------------------------------------------------------------ scoreboard

std::size_t scoreboard::model(std::string_view name) {
  for (std::size_t i = 0; i < models_.size(); ++i)
    if (models_[i].name == name) return i;
  models_.emplace_back();
  models_.back().name = std::string(name);
  return models_.size() - 1;
}

void scoreboard::add(std::size_t m, std::size_t rank, double p, double top_conf, bool top_hit) {
  auto& s = models_[m];
  ++s.n;
  if (rank == 1) ++s.h1;
  if (rank >= 1 && rank <= 3) ++s.h3;
  if (rank >= 1 && rank <= 5) ++s.h5;
  if (rank >= 1) s.rr += 1.0 / double(rank);
  s.ll += -std::log(std::max(std::isfinite(p) ? p : 0.0, p_floor));
  double c = std::clamp(std::isfinite(top_conf) ? top_conf : 0.0, 0.0, 1.0);
  int b = std::min(ece_bins - 1, static_cast<int>(c * ece_bins));
  s.conf[b] += c;
  s.hit[b] += top_hit ? 1 : 0;
  ++s.cnt[b];
}

void scoreboard::timing(std::size_t m, const time_window& w, double gap_s) {
  auto& s = models_[m];
  ++s.tn;
  if (w.valid() && gap_s >= w.lo && gap_s <= w.hi) ++s.tcov;
  if (keep_widths_)
    s.widths.push_back(static_cast<float>(w.valid() ? w.hi - w.lo : 0.0));
}

void scoreboard::merge(const scoreboard& other) {
  for (auto& o : other.models_) {
    auto& s = models_[model(o.name)];
    s.n += o.n; s.h1 += o.h1; s.h3 += o.h3; s.h5 += o.h5;
    s.rr += o.rr; s.ll += o.ll;
    for (int b = 0; b < ece_bins; ++b) {
      s.conf[b] += o.conf[b];
      s.hit[b] += o.hit[b];
      s.cnt[b] += o.cnt[b];
    }
    s.tn += o.tn; s.tcov += o.tcov;
    s.widths.insert(s.widths.end(), o.widths.begin(), o.widths.end());
  }
}

model_metrics scoreboard::sums::get() const {
  model_metrics m;
  m.name = name;
  m.scored = n;
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
  }
  if (!widths.empty()) {
    auto w = widths;
    auto mid = w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2);
    std::nth_element(w.begin(), mid, w.end());
    double med = *mid;
    if (w.size() % 2 == 0) med = (med + *std::max_element(w.begin(), mid)) / 2;
    m.timing_window_s_median = med;
  }
  return m;
}

std::vector<model_metrics> scoreboard::metrics() const {
  std::vector<model_metrics> out;
  for (auto& s : models_) out.push_back(s.get());
  return out;
}

void scoreboard::save(std::string& out) const {
  writer w(out);
  w.var(models_.size());
  for (auto& s : models_) {
    w.var(s.name.size());
    out += s.name;
    for (auto v : {s.n, s.h1, s.h3, s.h5, s.tn, s.tcov}) w.var(v);
    w.f64(s.rr);
    w.f64(s.ll);
    for (int b = 0; b < ece_bins; ++b) {
      w.f64(s.conf[b]);
      w.f64(s.hit[b]);
      w.var(s.cnt[b]);
    }
    w.var(s.widths.size());
    for (auto x : s.widths) w.f32(x);
  }
}

bool scoreboard::load(std::string_view in) {
  reader r(in);
  models_.clear();
  auto n = r.count(1u << 16);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    sums s;
    auto len = r.count(1u << 10);
    for (std::size_t k = 0; k < len && r.ok(); ++k) s.name.push_back(static_cast<char>(r.u8()));
    for (auto* v : {&s.n, &s.h1, &s.h3, &s.h5, &s.tn, &s.tcov}) *v = r.var();
    s.rr = r.f64();
    s.ll = r.f64();
    for (int b = 0; b < ece_bins; ++b) {
      s.conf[b] = r.f64();
      s.hit[b] = r.f64();
      s.cnt[b] = r.var();
    }
    auto nw = r.count(std::size_t(1) << 32);
    if (!r.ok() || nw > in.size()) return false;  // a width takes 4 bytes
    s.widths.resize(nw);
    for (auto& x : s.widths) x = r.f32();
    models_.push_back(std::move(s));
  }
  return r.ok() && r.done();
}

// ----------------------------------------------------------- online model

std::vector<std::string> online_model_names(bool components, bool external) {
  std::vector<std::string> out;
  if (components)
    for (int k = 0; k < component_count; ++k)
      if (k != c_external || external) out.push_back(std::string("c_") + component_name(k));
  out.push_back("mixture");
  out.push_back("prescient");
  return out;
}

void score_online(const user_model& u, const tenant_model& t, const scored_set& s, app_id y,
                  bool components, bool external, scoreboard& board, std::size_t first) {
  const std::size_t C = s.cand.size();
  auto it = std::lower_bound(s.cand.begin(), s.cand.end(), y);
  bool present = it != s.cand.end() && *it == y;
  std::size_t yc = present ? std::size_t(it - s.cand.begin()) : 0;
  std::size_t m = first;
  if (components)
    for (int k = 0; k < component_count; ++k) {
      if (k == c_external && !external) continue;
      double py = u.prob(t, s, k, y);
      double best = -1;
      app_id ba = no_app;
      for (std::size_t c = 0; c < C; ++c) {
        double p = s.p(k, c);
        if (p > best || (p == best && s.cand[c] < ba)) { best = p; ba = s.cand[c]; }
      }
      auto r = rank_in(C, [&](std::size_t c) { return std::pair{s.cand[c], s.p(k, c)}; }, y, py,
                       present && s.p(k, yc) > 0);
      board.add(m++, r, py, std::max(best, 0.0), ba == y);
    }
  double py = u.prob(t, s, -1, y);
  std::size_t r = 0;  // rank of y by (mixture desc, app asc), as the full order would be
  if (present) {
    r = 1;
    const double my = s.mix[yc];
    for (std::size_t c = 0; c < C; ++c)
      if (s.mix[c] > my || (s.mix[c] == my && c < yc)) ++r;
  }
  bool hit = C && s.cand[s.order[0]] == y;
  board.add(m++, r, py, s.raw_conf, hit);
  board.add(m, r, u.calibrated_prob(t, s, y), s.conf, hit);
}

// -------------------------------------------------------------- baselines

time_window baseline_user::gap_window() const {
  if (!n_gaps_) return {};
  auto q = [&](double p) {
    double target = p * double(n_gaps_), cum = 0;
    for (int b = 0; b < gap_bins; ++b) {
      if (cum + gaps_[b] >= target && gaps_[b] > 0) {
        double f = (target - cum) / gaps_[b];
        double lo = gap_bin_lo(b), hi = gap_bin_hi(b);
        return b == 0 ? f * hi : lo * std::pow(hi / lo, f);
      }
      cum += gaps_[b];
    }
    return gap_bin_hi(gap_bins - 1);
  };
  return {q(0.1), q(0.9)};
}

void baseline_user::score_and_learn(app_id y, double time_s, scoreboard& board,
                                    std::size_t first) {
  auto rank_of = [&](auto& model, double py) -> std::size_t {
    if (py <= 0) return 0;
    model.predict(1u << 20, tmp_);
    return rank_in(tmp_.size(), [&](std::size_t i) { return std::pair{tmp_[i].app, tmp_[i].p}; },
                   y, py, true);
  };
  {
    double py = mf_.prob(y);
    auto r = rank_of(mf_, py);
    mf_.predict(1, tmp_);
    board.add(first, r, py, tmp_.empty() ? 0 : tmp_[0].p, !tmp_.empty() && tmp_[0].app == y);
  }
  {
    double py = m1_.prob(y);
    auto r = rank_of(m1_, py);
    auto t0 = std::chrono::steady_clock::now();
    m1_.predict(1, tmp_);
    m1_ns_ += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    board.add(first + 1, r, py, tmp_.empty() ? 0 : tmp_[0].p, !tmp_.empty() && tmp_[0].app == y);
  }
  double gap = has_prev_ ? std::max(0.0, time_s - prev_time_) : 0.0;
  if (has_prev_) {
    auto w = gap_window();
    board.timing(first, w, gap);
    board.timing(first + 1, w, gap);
  }
  mf_.update(y);
  auto t0 = std::chrono::steady_clock::now();
  m1_.update(y);
  m1_ns_ += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  if (has_prev_) {
    ++gaps_[gap_bin(gap)];
    ++n_gaps_;
  }
  has_prev_ = true;
  prev_time_ = time_s;
}

} // namespace prescient::predict
