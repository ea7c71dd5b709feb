#include "prescient/predict/usage.hpp"

#include <algorithm>

namespace prescient::predict {

namespace {
// marker quantiles for p50/p90/p99: 0, mid, p1, mid, p2, mid, p3, mid, 1
constexpr std::array<double, p2_quantiles::markers> dq{0, 0.25, 0.5, 0.7, 0.9, 0.945, 0.99, 0.995, 1};
}

void p2_quantiles::add(double x) {
  if (!std::isfinite(x)) return;
  constexpr int m = markers;
  if (n_ < static_cast<std::uint32_t>(m)) {
    h_[n_++] = static_cast<float>(x);
    if (n_ == static_cast<std::uint32_t>(m)) {
      std::sort(h_.begin(), h_.end());
      for (int i = 0; i < m; ++i) pos_[i] = i + 1;
    }
    return;
  }
  ++n_;
  int k;
  if (x < h_[0]) { h_[0] = static_cast<float>(x); k = 0; }
  else if (x >= h_[m - 1]) { h_[m - 1] = static_cast<float>(x); k = m - 2; }
  else { k = 0; while (k < m - 2 && x >= h_[k + 1]) ++k; }
  for (int i = k + 1; i < m; ++i) ++pos_[i];
  for (int i = 1; i < m - 1; ++i) {
    double want = 1 + (n_ - 1) * dq[i];
    double d = want - pos_[i];
    if ((d >= 1 && pos_[i + 1] - pos_[i] > 1) || (d <= -1 && pos_[i - 1] - pos_[i] < -1)) {
      int s = d > 0 ? 1 : -1;
      double qi = h_[i], qp = h_[i + 1], qm = h_[i - 1];
      double np = pos_[i + 1], ni = pos_[i], nm = pos_[i - 1];
      double par = qi + s / (np - nm) * ((ni - nm + s) * (qp - qi) / (np - ni) +
                                         (np - ni - s) * (qi - qm) / (ni - nm));
      if (!(qm < par && par < qp)) {  // linear fallback
        double qn = s > 0 ? qp : qm, nn = s > 0 ? np : nm;
        par = qi + s * (qn - qi) / (nn - ni);
      }
      h_[i] = static_cast<float>(par);
      pos_[i] += s;
    }
  }
}

double p2_quantiles::quantile(double q) const {
  if (n_ == 0) return NAN;
  if (n_ < static_cast<std::uint32_t>(markers)) {
    std::array<float, markers> s = h_;
    std::sort(s.begin(), s.begin() + n_);
    double idx = q * (n_ - 1);
    auto lo = static_cast<std::uint32_t>(idx);
    auto hi = std::min(lo + 1, n_ - 1);
    return s[lo] + (idx - lo) * (s[hi] - s[lo]);
  }
  for (int i = 0; i + 1 < markers; ++i)
    if (q <= dq[i + 1]) {
      double t = (q - dq[i]) / (dq[i + 1] - dq[i]);
      return h_[i] + t * (h_[i + 1] - h_[i]);
    }
  return h_[markers - 1];
}

void p2_quantiles::save(writer& w) const {
  w.var(n_);
  auto k = std::min<std::uint32_t>(n_, markers);
  for (std::uint32_t i = 0; i < k; ++i) w.f32(h_[i]);
  if (n_ >= static_cast<std::uint32_t>(markers))
    for (auto p : pos_) w.var(static_cast<std::uint32_t>(p));
}

void p2_quantiles::load(reader& r) {
  n_ = static_cast<std::uint32_t>(r.var());
  auto k = std::min<std::uint32_t>(n_, markers);
  for (std::uint32_t i = 0; i < k; ++i) h_[i] = r.f32();
  if (n_ >= static_cast<std::uint32_t>(markers))
    for (auto& p : pos_) p = static_cast<std::int32_t>(r.var());
}

const char* metric_name(metric m) {
  static const char* names[] = {"cpu_millicores", "memory_mb", "disk_iops", "network_mbps", "gpus", "duration_ms"};
  return names[static_cast<int>(m)];
}

namespace {
int rank_of(std::uint8_t has, int m) {  // index in q_ of metric m's estimator
  int k = 0;
  for (int i = 0; i < m; ++i) k += (has >> i) & 1;
  return k;
}
} // namespace

const p2_quantiles* app_usage::find(int m) const {
  if (!((has_ >> m) & 1)) return nullptr;
  return &q_[static_cast<std::size_t>(rank_of(has_, m))];
}

void app_usage::add(const usage& u) {
  const float v[] = {u.cpu_millicores, u.memory_mb, u.disk_iops, u.network_mbps, u.gpus, u.duration_ms};
  for (int i = 0; i < metric_count; ++i) {
    if (!std::isfinite(v[i])) continue;  // (p2_quantiles ignores it too)
    auto k = static_cast<std::size_t>(rank_of(has_, i));
    if (!((has_ >> i) & 1)) {
      q_.insert(q_.begin() + static_cast<std::ptrdiff_t>(k), p2_quantiles{});
      has_ = static_cast<std::uint8_t>(has_ | (1u << i));
    }
    q_[k].add(v[i]);
  }
}

quantiles3 app_usage::get(metric m) const {
  auto* q = find(static_cast<int>(m));
  if (!q) return {};
  return {q->quantile(0.5), q->quantile(0.9), q->quantile(0.99), q->count()};
}

void app_usage::save(writer& w) const {
  static const p2_quantiles none;
  for (int i = 0; i < metric_count; ++i) {
    auto* q = find(i);
    (q ? *q : none).save(w);
  }
}
void app_usage::load(reader& r) {
  has_ = 0;
  q_.clear();
  for (int i = 0; i < metric_count; ++i) {
    p2_quantiles q;
    q.load(r);
    if (q.count() > 0) { q_.push_back(q); has_ = static_cast<std::uint8_t>(has_ | (1u << i)); }
  }
}

void usage_model::add(app_id a, const usage& u) {
  ++clock_;
  for (auto& s : apps_)
    if (s.app == a) { s.stamp = clock_; s.u.add(u); return; }
  if (apps_.size() >= max_apps) {
    auto old = std::min_element(apps_.begin(), apps_.end(),
                                [](auto& l, auto& r) { return l.stamp < r.stamp; });
    *old = slot{a, clock_, {}};
    old->u.add(u);
    return;
  }
  apps_.push_back(slot{a, clock_, {}});
  apps_.back().u.add(u);
}

const app_usage* usage_model::find(app_id a) const {
  for (auto& s : apps_)
    if (s.app == a) return &s.u;
  return nullptr;
}

void usage_model::save(writer& w) const {
  w.var(clock_); w.var(apps_.size());
  for (auto& s : apps_) { w.var(s.app); w.var(s.stamp); s.u.save(w); }
}

void usage_model::load(reader& r) {
  clock_ = static_cast<std::uint32_t>(r.var());
  auto n = r.count(max_apps);
  apps_.resize(n);
  for (auto& s : apps_) {
    s.app = static_cast<app_id>(r.var());
    s.stamp = static_cast<std::uint32_t>(r.var());
    s.u.load(r);
  }
}

} // namespace prescient::predict
