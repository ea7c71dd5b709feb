#include "prescient/predict/timing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace prescient::predict {

namespace {
constexpr float row_decay = 0.97f;
constexpr float tenant_decay = 0.9995f;
std::size_t knob(const char* n, std::size_t d) { const char* e = std::getenv(n); return e ? std::strtoul(e, nullptr, 0) : d; }
const std::size_t row_cap = knob("K_TCAP", 24);
const std::size_t after_rows = knob("K_TAR", 32);
const std::size_t reuse_rows = knob("K_TRR", 32);
constexpr double gamma_user = 0.01;
constexpr double gamma_tenant = 0.002;

void dense(const decayed_row& r, const std::array<double, gap_bins>& lower,
           std::array<double, gap_bins>& out) {
  if (r.empty()) { out = lower; return; }
  double d = r.total + r.novel;
  for (int b = 0; b < gap_bins; ++b) out[b] = r.novel * lower[b] / d;
  for (auto& e : r.e)
    if (e.app < static_cast<app_id>(gap_bins)) out[e.app] += e.w / d;
}

void tenant_dist(const tenant_timing& t, std::array<double, gap_bins>& p) {
  std::array<double, gap_bins> uni;
  uni.fill(1.0 / gap_bins);
  dense(t.overall, uni, p);
}
} // namespace

int gap_bin(double g) {
  if (!(g >= 1)) return 0;
  int b = 1 + static_cast<int>(std::floor(2 * std::log2(g)));
  return std::min(b, gap_bins - 1);
}
double gap_bin_lo(int b) { return b == 0 ? 0.0 : std::exp2((b - 1) / 2.0); }
double gap_bin_hi(int b) { return std::exp2(b / 2.0); }

time_window shortest_window(const std::array<double, gap_bins>& p, double mass) {
  double total = 0;
  for (double v : p) total += v;
  if (total <= 0) return {};
  double need = std::clamp(mass, 0.0, 1.0) * total;
  if (need <= 0) return {};
  time_window best{0, std::numeric_limits<double>::infinity()};
  int j = -1;
  double acc = 0;
  for (int i = 0; i < gap_bins; ++i) {
    while (acc < need && j + 1 < gap_bins) acc += p[++j];
    if (acc < need) break;
    // trim the excess from the top bin (log-uniform inside a bin; bin 0 linear)
    double excess = acc - need, pj = p[j];
    double hi = gap_bin_hi(j);
    if (pj > 0 && excess > 0 && j != i) {
      double keep = (pj - excess) / pj;
      double lo = gap_bin_lo(j);
      hi = j == 0 ? keep * hi : lo * std::pow(hi / lo, keep);
    }
    double lo_i = gap_bin_lo(i);
    if (j == i && pj > 0) {  // whole window inside one bin: centre it
      double keep = need / pj;
      if (i == 0) { lo_i = 0; hi = keep * gap_bin_hi(0); }
      else {
        double l = gap_bin_lo(i), h = gap_bin_hi(i), r = std::pow(h / l, (1 - keep) / 2);
        lo_i = l * r; hi = h / r;
      }
    }
    if (hi - lo_i < best.hi - best.lo) best = {lo_i, hi};
    acc -= p[i];
  }
  if (!std::isfinite(best.hi)) return {};
  return best;
}

void tenant_timing::save(writer& w) const { overall.save(w); w.f64(alpha); }
void tenant_timing::load(reader& r) { overall.load(r); alpha = r.f64(); }

void launch_timing::next_distribution(const tenant_timing& t,
                                      std::array<double, gap_bins>& p) const {
  std::array<double, gap_bins> ten, usr;
  tenant_dist(t, ten);
  dense(overall_, ten, usr);
  const decayed_row* r = last_app_ == no_app ? nullptr : after_app_.find(last_app_);
  if (r) dense(*r, usr, p);
  else p = usr;
}

time_window launch_timing::next_window(const tenant_timing& t) const {
  std::array<double, gap_bins> p;
  next_distribution(t, p);
  double a = alpha_ < 0 ? t.alpha : alpha_;
  return shortest_window(p, 1 - std::clamp(a, 0.0, 1.0));
}

time_window launch_timing::reuse_window(app_id a) const {
  auto* r = reuse_.find(a);
  if (!r) return {};
  std::array<double, gap_bins> uni, p;
  uni.fill(1.0 / gap_bins);
  dense(*r, uni, p);
  double a_ = alpha_ < 0 ? 0.2 : alpha_;
  return shortest_window(p, 1 - a_);
}

void launch_timing::observe(tenant_timing& t, double time_s, app_id a) {
  if (last_app_ != no_app) {
    double gap = std::max(0.0, time_s - last_time_);
    auto w = next_window(t);
    double miss = (w.valid() && gap >= w.lo && gap <= w.hi) ? 0.0 : 1.0;
    double target_miss = 1 - target_coverage;
    if (alpha_ < 0) alpha_ = t.alpha;
    alpha_ = std::clamp(alpha_ + gamma_user * (target_miss - miss), 0.0, 1.0);
    t.alpha = std::clamp(t.alpha + gamma_tenant * (target_miss - miss), 0.0, 1.0);
    auto b = static_cast<app_id>(gap_bin(gap));
    after_app_.add(last_app_, b, row_decay, row_cap, after_rows);
    overall_.add(b, row_decay, row_cap);
    t.overall.add(b, tenant_decay, gap_bins);
  }
  // reuse gap of this app
  auto it = std::find_if(last_launch_.begin(), last_launch_.end(),
                         [&](auto& x) { return x.first == a; });
  if (it != last_launch_.end()) {
    auto b = static_cast<app_id>(gap_bin(std::max(0.0, time_s - it->second)));
    reuse_.add(a, b, row_decay, row_cap, reuse_rows);
    it->second = time_s;
  } else {
    if (last_launch_.size() >= reuse_rows) {
      auto old = std::min_element(last_launch_.begin(), last_launch_.end(),
                                  [](auto& l, auto& r) { return l.second < r.second; });
      *old = {a, time_s};
    } else {
      last_launch_.emplace_back(a, time_s);
    }
  }
  last_time_ = time_s;
  last_app_ = a;
}

void launch_timing::save(writer& w) const {
  after_app_.save(w);
  overall_.save(w);
  reuse_.save(w);
  w.var(last_launch_.size());
  for (auto& [a, ts] : last_launch_) { w.var(a); w.f64(ts); }
  w.f64(last_time_);
  w.var(last_app_ == no_app ? 0 : std::uint64_t(last_app_) + 1);
  w.f64(alpha_);
}

void launch_timing::load(reader& r) {
  after_app_.load(r);
  overall_.load(r);
  reuse_.load(r);
  auto n = r.count(1 << 16);
  last_launch_.resize(n);
  for (auto& [a, ts] : last_launch_) { a = static_cast<app_id>(r.var()); ts = r.f64(); }
  last_time_ = r.f64();
  auto la = r.var();
  last_app_ = la == 0 ? no_app : static_cast<app_id>(la - 1);
  alpha_ = r.f64();
}

} // namespace prescient::predict
