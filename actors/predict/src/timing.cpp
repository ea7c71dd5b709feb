#include "prescient/predict/timing.hpp"

#include <algorithm>
#include <cmath>

namespace prescient::predict {

namespace {
constexpr float row_decay = 0.97f;
constexpr float tenant_decay = 0.9995f;
constexpr std::size_t row_cap = 12;
constexpr std::size_t after_rows = 16;
constexpr std::size_t reuse_rows = 16;
constexpr double gamma_user = 0.01;
constexpr double gamma_tenant = 0.002;

void dense(const row_view& r, const std::array<double, gap_bins>& lower,
           std::array<double, gap_bins>& out) {
  if (r.empty()) { out = lower; return; }
  double d = double(r.total) + r.novel;
  double nov = r.novel / d, inv = 1.0 / d;
  for (int b = 0; b < gap_bins; ++b) out[b] = nov * lower[b];
  for (std::uint32_t i = 0; i < r.n; ++i)
    if (r.app(i) < static_cast<app_id>(gap_bins)) out[r.app(i)] += r.w(i) * inv;
}

void tenant_dist(const tenant_timing& t, std::array<double, gap_bins>& p) {
  std::array<double, gap_bins> uni;
  uni.fill(1.0 / gap_bins);
  dense(t.overall.view(), uni, p);
}

// bin edges, computed once (gap_bin_lo / gap_bin_hi)
struct edges {
  std::array<double, gap_bins> lo, hi;
  edges() {
    for (int b = 0; b < gap_bins; ++b) {
      lo[b] = b == 0 ? 0.0 : std::exp2((b - 1) / 2.0);
      hi[b] = std::exp2(b / 2.0);
    }
  }
};
const edges& bin_edges() {
  static const edges e;
  return e;
}
// lo * (hi / lo)^f inside a log bin b >= 1 (hi / lo = sqrt 2)
double log_interp(int b, double f) { return bin_edges().lo[b] * std::exp2(0.5 * f); }
} // namespace

int gap_bin(double g) {
  if (!(g >= 1)) return 0;
  int b = 1 + static_cast<int>(std::floor(2 * std::log2(g)));
  return std::min(b, gap_bins - 1);
}
double gap_bin_lo(int b) { return bin_edges().lo[std::clamp(b, 0, gap_bins - 1)]; }
double gap_bin_hi(int b) { return bin_edges().hi[std::clamp(b, 0, gap_bins - 1)]; }

time_window shortest_window(const std::array<double, gap_bins>& p, double mass) {
  const auto& E = bin_edges();
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
    double hi = E.hi[j];
    if (pj > 0 && excess > 0 && j != i) {
      double keep = (pj - excess) / pj;
      hi = j == 0 ? keep * hi : log_interp(j, keep);
    }
    double lo_i = E.lo[i];
    if (j == i && pj > 0) {  // whole window inside one bin: centre it
      double keep = need / pj;
      if (i == 0) { lo_i = 0; hi = keep * E.hi[0]; }
      else {
        double r = std::exp2(0.5 * (1 - keep) / 2);
        lo_i = E.lo[i] * r; hi = E.hi[i] / r;
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
  dense(overall_.view(), ten, usr);
  int r = last_app_ == no_app ? -1 : after_app_.find(last_app_);
  if (r >= 0) dense(after_app_.view(r), usr, p);
  else p = usr;
}

time_window launch_timing::next_window(const tenant_timing& t) const {
  std::array<double, gap_bins> p;
  next_distribution(t, p);
  double a = alpha_ < 0 ? t.alpha : alpha_;
  return shortest_window(p, 1 - std::clamp(a, 0.0, 1.0));
}

time_window launch_timing::reuse_window(app_id a) const {
  int r = reuse_.find(a);
  if (r < 0) return {};
  std::array<double, gap_bins> uni, p;
  uni.fill(1.0 / gap_bins);
  dense(reuse_.view(r), uni, p);
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
    after_app_.add(last_app_, b, {row_decay}, row_cap, after_rows);
    overall_.add(b, row_decay, row_cap);
    t.overall.add(b, tenant_decay, gap_bins);
  }
  // reuse gap of this app
  auto it = std::find_if(last_launch_.begin(), last_launch_.end(),
                         [&](auto& x) { return x.first == a; });
  if (it != last_launch_.end()) {
    auto b = static_cast<app_id>(gap_bin(std::max(0.0, time_s - it->second)));
    reuse_.add(a, b, {row_decay}, row_cap, reuse_rows);
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

std::size_t launch_timing::memory_bytes() const {
  return sizeof *this + after_app_.heap_bytes() + overall_.heap_bytes() + reuse_.heap_bytes() +
         last_launch_.capacity() * sizeof(last_launch_[0]);
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
