#include "prescient/predict/profile.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace prescient::predict {

namespace {
// Decay per update of a row. Fast ~ the last 5 uses of a context (the IPAM
// regime), slow ~ the last 30; frequencies ~10 / ~100. The mixture learns
// which of them predicts a given user, so none is tuned to a data set.
constexpr float fast = 0.8f, slow = 0.97f, freq_fast_d = 0.9f, freq_slow_d = 0.99f, ctx_d = 0.95f;
constexpr float tenant_trans_d = 0.999f;
constexpr std::size_t cap_freq_slow = 64, cap_freq_fast = 24, cap_m1 = 16, cap_m2 = 8, cap_ctx = 8;
// Rows: hour-of-week and device x position are bounded by their key space
// (48, few devices x 5); transitions and gaps by the row eviction.
constexpr std::size_t rows_m1 = 32, rows_m2 = 32, rows_hour = 48, rows_sess = 24, rows_gap = 32;
constexpr std::size_t cap_tenant_row = 32, tenant_top = 16;
constexpr double share = 0.01;         // fixed-share mixing
constexpr double new_session_gap = 1800;
constexpr float loss_ema = 0.95f;      // external-model gate: ~20 recent events
constexpr std::uint32_t ext_min_n = 20;
constexpr double min_p = 1e-9;

int gap_bucket(double g) {
  if (g < 10) return 0;
  if (g < 60) return 1;
  if (g < 600) return 2;
  if (g < 3600) return 3;
  if (g < 86400) return 4;
  return 5;
}
int pos_bucket(std::uint32_t pos) {
  if (pos < 3) return static_cast<int>(pos);
  if (pos < 6) return 3;
  return 4;
}
// Witten-Bell step with precomputed row coefficients: p = c * inv + nsh * lower
struct wb_coef {
  double inv = 0, nsh = 1;  // empty row: the backoff alone
};
wb_coef coef(const row_view& r) {
  if (r.total <= 0) return {};
  double d = double(r.total) + r.novel;
  return {1.0 / d, r.novel / d};
}
using coefs = std::array<wb_coef, resolved_query::row_count>;
coefs coefs_of(const resolved_query& rq) {
  coefs k;
  for (int r = 0; r < resolved_query::row_count; ++r) k[r] = coef(rq.rows[r]);
  return k;
}
inline double wb(const wb_coef& k, double c, double lower) { return c * k.inv + k.nsh * lower; }

// app -> candidate index, open addressing, cleared in O(1) by generation
class cand_index {
public:
  void reset(std::size_t expect) {
    std::size_t need = 64;
    while (need < 2 * expect) need *= 2;
    if (need > key_.size()) {
      key_.assign(need, 0);
      val_.assign(need, 0);
      gen_.assign(need, 0);
      cur_ = 0;
    }
    mask_ = key_.size() - 1;
    if (++cur_ == 0) { std::fill(gen_.begin(), gen_.end(), 0u); cur_ = 1; }
  }
  /// Slot of `a`; `fresh` when it was not there (then it is added).
  std::uint32_t& at(app_id a, bool& fresh) {
    std::size_t h = (std::uint32_t(a) * 2654435761u) & mask_;
    while (gen_[h] == cur_ && key_[h] != a) h = (h + 1) & mask_;
    fresh = gen_[h] != cur_;
    if (fresh) { gen_[h] = cur_; key_[h] = a; }
    return val_[h];
  }
private:
  std::vector<app_id> key_;
  std::vector<std::uint32_t> val_, gen_;
  std::size_t mask_ = 0;
  std::uint32_t cur_ = 0;
};
void normalise(std::array<double, component_count>& w) {
  double s = 0;
  for (double v : w) s += v;
  if (s > 0) for (double& v : w) v /= s;
}
void init_weights(std::array<std::array<double, component_count>, 2>& w) {
  for (auto& r : w) {
    r.fill(1.0 / online_components);
    r[c_external] = 1.0 / online_components;
  }
}
} // namespace

const char* component_name(int k) {
  static const char* n[] = {"tenant", "tenant_m1", "freq_slow", "freq_fast", "m1_fast", "m1_slow",
                            "m2_fast", "m2_slow", "hour", "session", "gap", "external"};
  return k >= 0 && k < component_count ? n[k] : "?";
}

// ------------------------------------------------------------------ tenant
tenant_model::tenant_model() { init_weights(weights_); }

namespace {
constexpr app_id dense_app_limit = 1u << 22;  // larger ids go to the map
}

double tenant_model::prior(app_id a) const {
  float f = freq_of(a);
  if (f <= 0) return 0;
  return f / (freq_total_ + double(n_apps_));
}

void tenant_model::learn(app_id prev, app_id a) {
  float* f;
  if (a < dense_app_limit) {
    if (a >= freq_.size()) freq_.resize(std::max<std::size_t>(std::size_t(a) + 1, freq_.size() * 3 / 2), 0.0f);
    f = &freq_[a];
  } else {
    f = &freq_big_[a];
  }
  if (*f == 0) ++n_apps_;
  *f += 1;
  freq_total_ += 1;
  if (prev != no_app) trans_[prev].add(a, tenant_trans_d, cap_tenant_row);
  ++updates_;
  // refresh the candidate list often at first, then every 256 updates
  if (updates_ < 256 || updates_ % 256 == 0 ||
      std::find(top_.begin(), top_.end(), a) == top_.end()) {
    if (updates_ >= 256 && updates_ % 256 != 0 && top_.size() >= tenant_top) {
      auto& mn = *std::min_element(top_.begin(), top_.end(),
                                   [&](app_id l, app_id r) { return freq_of(l) < freq_of(r); });
      if (freq_of(a) > freq_of(mn)) mn = a;
      return;
    }
    std::vector<std::pair<float, app_id>> v;
    v.reserve(n_apps_);
    for (std::size_t k = 0; k < freq_.size(); ++k)
      if (freq_[k] > 0) v.emplace_back(freq_[k], static_cast<app_id>(k));
    for (auto& [k, c] : freq_big_) v.emplace_back(c, k);
    auto n = std::min(tenant_top, v.size());
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(),
                      [](auto& l, auto& r) { return l.first != r.first ? l.first > r.first : l.second < r.second; });
    top_.clear();
    for (std::size_t i = 0; i < n; ++i) top_.push_back(v[i].second);
  }
}

void tenant_model::save(std::string& out) const {
  writer w(out);
  w.u8(1);
  std::vector<std::pair<app_id, float>> f;
  for (std::size_t k = 0; k < freq_.size(); ++k)
    if (freq_[k] > 0) f.emplace_back(static_cast<app_id>(k), freq_[k]);
  for (auto& kv : freq_big_) f.push_back(kv);
  std::sort(f.begin(), f.end());
  w.var(f.size());
  for (auto& [a, c] : f) { w.var(a); w.f32(c); }
  w.f64(freq_total_);
  w.var(updates_);
  w.var(top_.size());
  for (auto a : top_) w.var(a);
  std::vector<app_id> keys;
  for (auto& kv : trans_) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  w.var(keys.size());
  for (auto k : keys) { w.var(k); trans_.at(k).save(w); }
  for (auto& r : weights_) for (double v : r) w.f64(v);
  calib_.save(w);
  timing_.save(w);
}

bool tenant_model::load(std::string_view in) {
  reader r(in);
  if (r.u8() != 1) return false;
  tenant_model t;
  auto n = r.count(1u << 26);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto a = static_cast<app_id>(r.var());
    float c = r.f32();
    if (!(c > 0)) continue;
    if (a < dense_app_limit) {
      if (a >= t.freq_.size()) t.freq_.resize(std::size_t(a) + 1, 0.0f);
      if (t.freq_[a] == 0) ++t.n_apps_;
      t.freq_[a] = c;
    } else {
      if (!t.freq_big_.count(a)) ++t.n_apps_;
      t.freq_big_[a] = c;
    }
  }
  t.freq_total_ = r.f64();
  t.updates_ = r.var();
  n = r.count(1u << 16);
  for (std::size_t i = 0; i < n && r.ok(); ++i) t.top_.push_back(static_cast<app_id>(r.var()));
  n = r.count(1u << 26);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto k = static_cast<app_id>(r.var());
    t.trans_[k].load(r);
  }
  for (auto& row : t.weights_) for (double& v : row) v = r.f64();
  t.calib_.load(r);
  t.timing_.load(r);
  if (!r.ok() || !r.done()) return false;
  *this = std::move(t);
  return true;
}

// -------------------------------------------------------------------- user
user_model::user_model() {
  std::array<std::array<double, component_count>, 2> w;
  init_weights(w);
  for (int r = 0; r < 2; ++r) std::copy(w[r].begin(), w[r].end(), w_[r].begin());
}

void user_model::keys_of(const query& q, resolved_query& rq) const {
  app_id p1 = n_recent_ > 0 ? recent_[n_recent_ - 1] : no_app;
  app_id p2 = n_recent_ > 1 ? recent_[n_recent_ - 2] : no_app;
  double gap = n_recent_ > 0 ? std::max(0.0, q.time_s - last_time_) : 1e9;
  bool new_session = n_recent_ == 0 || (q.session != 0 && q.session != last_session_) ||
                     (q.session == 0 && gap > new_session_gap) ||
                     (q.session == last_session_ && gap > 4 * 3600.0);
  std::uint32_t pos = new_session ? 0 : pos_ + 1;
  rq.regime = new_session ? 0 : 1;
  auto how = static_cast<std::int64_t>(std::floor(q.time_s / 3600.0));
  int hour = static_cast<int>(((how % 24) + 24) % 24);
  int day = static_cast<int>((((how / 24) + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday; 0 = Monday
  std::uint64_t hkey = std::uint64_t(hour) * 2 + (day >= 5 ? 1 : 0);
  std::uint64_t skey = (std::uint64_t(q.device) << 8) | std::uint64_t(pos_bucket(pos));
  std::uint64_t gkey = (std::uint64_t(p1) << 8) | std::uint64_t(gap_bucket(gap));
  std::uint64_t m2key = (std::uint64_t(p2) << 32) | p1;
  using R = resolved_query;
  rq.keys[R::r_m1f] = rq.keys[R::r_m1s] = p1;
  rq.keys[R::r_m2f] = rq.keys[R::r_m2s] = m2key;
  rq.keys[R::r_hour] = hkey;
  rq.keys[R::r_sess] = skey;
  rq.keys[R::r_gap] = gkey;
}

resolved_query user_model::resolve(const tenant_model& t, const query& q) const {
  resolved_query rq;
  keys_of(q, rq);
  using R = resolved_query;
  app_id p1 = n_recent_ > 0 ? recent_[n_recent_ - 1] : no_app;
  app_id p2 = n_recent_ > 1 ? recent_[n_recent_ - 2] : no_app;
  rq.rows[R::r_fs] = freq_slow_.view();
  rq.rows[R::r_ff] = freq_fast_.view();
  if (p1 != no_app) {
    auto it = t.trans_.find(p1);
    if (it != t.trans_.end()) rq.rows[R::r_tm1] = it->second.view();
    int r = m1_.find(p1);
    rq.rows[R::r_m1f] = m1_.view(r, 0);
    rq.rows[R::r_m1s] = m1_.view(r, 1);
    rq.rows[R::r_gap] = gap_.find_view(rq.keys[R::r_gap]);
  }
  if (p2 != no_app) {
    int r = m2_.find(rq.keys[R::r_m2f]);
    rq.rows[R::r_m2f] = m2_.view(r, 0);
    rq.rows[R::r_m2s] = m2_.view(r, 1);
  }
  rq.rows[R::r_hour] = hour_.find_view(rq.keys[R::r_hour]);
  rq.rows[R::r_sess] = sess_.find_view(rq.keys[R::r_sess]);
  return rq;
}

void user_model::counts_of(const resolved_query& rq, app_id a, double* cnt) const {
  for (int r = 0; r < resolved_query::row_count; ++r) cnt[r] = rq.rows[r].count(a);
}

namespace {
void chain_k(const coefs& k, const double* c, double tp, double* out) {
  using R = resolved_query;
  out[c_tenant] = tp;
  out[c_tenant_m1] = wb(k[R::r_tm1], c[R::r_tm1], tp);
  double b = wb(k[R::r_fs], c[R::r_fs], tp);
  double f = wb(k[R::r_ff], c[R::r_ff], tp);
  out[c_freq_slow] = b;
  out[c_freq_fast] = f;
  double m1f = wb(k[R::r_m1f], c[R::r_m1f], f);
  double m1s = wb(k[R::r_m1s], c[R::r_m1s], b);
  out[c_m1_fast] = m1f;
  out[c_m1_slow] = m1s;
  out[c_m2_fast] = wb(k[R::r_m2f], c[R::r_m2f], m1f);
  out[c_m2_slow] = wb(k[R::r_m2s], c[R::r_m2s], m1s);
  out[c_hour] = wb(k[R::r_hour], c[R::r_hour], b);
  out[c_session] = wb(k[R::r_sess], c[R::r_sess], b);
  out[c_gap] = wb(k[R::r_gap], c[R::r_gap], m1s);
  out[c_external] = 0;
}
constexpr std::size_t order_sorted = 8;  // score() ranks the best 8 (predict sorts more on demand)
} // namespace

void user_model::chain(const tenant_model&, const resolved_query& rq, const double* c, double tp,
                       double* out) const {
  chain_k(coefs_of(rq), c, tp, out);
}

void user_model::score(const tenant_model& t, const query& q, scored_set& s,
                       const external_model* ext) const {
  s.rq = resolve(t, q);
  s.ext.clear();
  s.ext_used = false;
  if (w_init_) std::copy(w_[s.rq.regime].begin(), w_[s.rq.regime].end(), s.w.begin());
  else s.w = t.weights_[s.rq.regime];
  if (ext && external_in_use()) {
    external_query xq{q, recent_.data(), n_recent_, n_recent_ ? last_time_ : 0.0};
    ext->predict(xq, s.ext);
    std::sort(s.ext.begin(), s.ext.end(), [](auto& l, auto& r) { return l.app < r.app; });
    s.ext_used = true;
  } else {
    s.w[c_external] = 0;
  }
  normalise(s.w);
  // candidates: everything the context rows know, plus the tenant's top apps
  constexpr int NR = resolved_query::row_count;
  thread_local cand_index idx;
  std::size_t raw = t.top_.size() + s.ext.size();
  for (auto& r : s.rq.rows) raw += r.n;
  idx.reset(raw);
  s.cand.clear();
  bool fresh;
  for (auto& r : s.rq.rows)
    for (std::uint32_t i = 0; i < r.n; ++i) {
      idx.at(r.app(i), fresh);
      if (fresh) s.cand.push_back(r.app(i));
    }
  for (auto a : t.top_) { idx.at(a, fresh); if (fresh) s.cand.push_back(a); }
  for (auto& e : s.ext) { idx.at(e.app, fresh); if (fresh) s.cand.push_back(e.app); }
  std::sort(s.cand.begin(), s.cand.end());
  const std::size_t C = s.cand.size();
  for (std::size_t c = 0; c < C; ++c) idx.at(s.cand[c], fresh) = static_cast<std::uint32_t>(c);
  // counts of each candidate in each row (scatter the rows' entries)
  thread_local std::vector<double> cnt;
  cnt.assign(C * NR, 0.0);
  for (int r = 0; r < NR; ++r) {
    auto& row = s.rq.rows[r];
    for (std::uint32_t i = 0; i < row.n; ++i)
      cnt[std::size_t(idx.at(row.app(i), fresh)) * NR + std::size_t(r)] = row.w(i);
  }
  const coefs k = coefs_of(s.rq);
  s.comp.resize(C * component_count);
  s.mix.resize(C);
  double out[component_count];
  std::size_t ei = 0;
  for (std::size_t c = 0; c < C; ++c) {
    chain_k(k, &cnt[c * NR], t.prior(s.cand[c]), out);
    if (s.ext_used) {  // both sorted by app
      while (ei < s.ext.size() && s.ext[ei].app < s.cand[c]) ++ei;
      out[c_external] = ei < s.ext.size() && s.ext[ei].app == s.cand[c] ? s.ext[ei].p : 0.0;
    }
    double m = 0;
    for (int j = 0; j < component_count; ++j) {
      s.comp[std::size_t(j) * C + c] = out[j];
      m += s.w[j] * out[j];
    }
    s.mix[c] = m;
  }
  s.order.resize(C);
  for (std::size_t c = 0; c < C; ++c) s.order[c] = static_cast<std::uint32_t>(c);
  s.sorted = std::min(order_sorted, C);
  std::partial_sort(s.order.begin(), s.order.begin() + static_cast<std::ptrdiff_t>(s.sorted),
                    s.order.end(), [&](auto l, auto r) {
                      return s.mix[l] != s.mix[r] ? s.mix[l] > s.mix[r] : s.cand[l] < s.cand[r];
                    });
  s.raw_conf = C ? s.mix[s.order[0]] : 0.0;
  s.conf = C ? t.calib_.apply(s.raw_conf) : 0.0;
}

double user_model::prob(const tenant_model& t, const scored_set& s, int k, app_id a) const {
  auto it = std::lower_bound(s.cand.begin(), s.cand.end(), a);
  if (it != s.cand.end() && *it == a) {
    auto c = std::size_t(it - s.cand.begin());
    return k < 0 ? s.mix[c] : s.p(k, c);
  }
  double cnt[resolved_query::row_count], out[component_count];
  counts_of(s.rq, a, cnt);
  chain(t, s.rq, cnt, t.prior(a), out);
  // (the external model gave `a` nothing, or it would be a candidate)
  if (k >= 0) return out[k];
  double m = 0;
  for (int j = 0; j < component_count; ++j) m += s.w[j] * out[j];
  return m;
}

double user_model::calibrated_prob(const tenant_model& t, const scored_set& s, app_id a) const {
  if (s.cand.empty()) return 0;
  auto top = s.cand[s.order[0]];
  if (a == top) return s.conf;
  double rest = std::max(1e-12, 1 - s.raw_conf);
  return prob(t, s, -1, a) * std::max(0.0, 1 - s.conf) / rest;
}

next_app_prediction user_model::predict(const tenant_model& t, const query& q, std::size_t k,
                                        const external_model* ext) const {
  thread_local scored_set s;
  score(t, q, s, ext);
  if (k > s.sorted) {
    std::sort(s.order.begin(), s.order.end(), [&](auto l, auto r) {
      return s.mix[l] != s.mix[r] ? s.mix[l] > s.mix[r] : s.cand[l] < s.cand[r];
    });
    s.sorted = s.order.size();
  }
  next_app_prediction p;
  double rest = std::max(1e-12, 1 - s.raw_conf);
  for (std::size_t i = 0; i < std::min(k, s.order.size()); ++i) {
    auto c = s.order[i];
    double pi = i == 0 ? s.conf : s.mix[c] * std::max(0.0, 1 - s.conf) / rest;
    // Where calibration pulls the top guess far down (its raw confidence is
    // known to be over-confident here), the rescaled rest could overtake it;
    // an app ranked lower is never more likely than the one above it.
    if (i > 0) pi = std::min(pi, p.top.back().p);
    p.top.push_back({s.cand[c], pi});
  }
  p.confidence = s.conf;
  p.window = timing_.next_window(t.timing_);
  return p;
}

bool user_model::external_in_use() const { return ext_n_ >= ext_min_n && ext_loss_ < mix_loss_; }

std::array<double, component_count> user_model::weights(int regime) const {
  std::array<double, component_count> w;
  auto& r = w_[std::clamp(regime, 0, 1)];
  std::copy(r.begin(), r.end(), w.begin());
  return w;
}

void user_model::observe(tenant_model& t, const event& e, const usage* u, const scored_set* made,
                         const external_model* ext) {
  thread_local scored_set own;
  query q{e.time_s, e.device, e.session};
  if (!made) { score(t, q, own, ext); made = &own; }
  const scored_set& s = *made;
  const app_id y = e.app;
  // 1. the outcome of the prediction: calibration, mixture weights, gate
  double py[component_count];
  if (auto it = std::lower_bound(s.cand.begin(), s.cand.end(), y);
      it != s.cand.end() && *it == y) {
    auto c = std::size_t(it - s.cand.begin());
    for (int k = 0; k < component_count; ++k) py[k] = s.p(k, c);
  } else {  // (then the external model gave y nothing either)
    double cnt[resolved_query::row_count];
    counts_of(s.rq, y, cnt);
    chain(t, s.rq, cnt, t.prior(y), py);
  }
  if (!s.cand.empty()) t.calib_.update(s.raw_conf, s.cand[s.order[0]] == y);
  if (!w_init_) {
    for (int r = 0; r < 2; ++r) std::copy(t.weights_[r].begin(), t.weights_[r].end(), w_[r].begin());
    w_init_ = true;
  }
  auto bayes = [&](auto& w, bool ext_active) {
    std::array<double, component_count> v;
    std::copy(w.begin(), w.end(), v.begin());
    if (!ext_active) v[c_external] = 0;
    double z = 0;
    for (int k = 0; k < component_count; ++k) z += v[k] * py[k];
    if (!(z > min_p)) return;
    int active = ext_active ? component_count : online_components;
    for (int k = 0; k < component_count; ++k) {
      if (k == c_external && !ext_active) continue;
      double nw = v[k] * py[k] / z;
      w[k] = static_cast<std::remove_reference_t<decltype(w[k])>>((1 - share) * nw + share / active);
    }
  };
  bayes(w_[s.rq.regime], s.ext_used);
  bayes(t.weights_[s.rq.regime], s.ext_used);
  if (ext) {
    // gate: recent log loss of the external model vs the online mixture
    std::vector<scored_app> xo;
    if (!s.ext_used) {
      external_query xq{q, recent_.data(), n_recent_, n_recent_ ? last_time_ : 0.0};
      ext->predict(xq, xo);
    }
    const auto& xs = s.ext_used ? s.ext : xo;
    double pe = 0;
    for (auto& x : xs) if (x.app == y) pe = x.p;
    double pm = 0;
    {
      auto w = s.w;
      w[c_external] = 0;
      double ws = 0;
      for (double v : w) ws += v;
      for (int k = 0; k < online_components; ++k) pm += w[k] / ws * py[k];
    }
    float le = static_cast<float>(-std::log(std::max(pe, 1e-6)));
    float lm = static_cast<float>(-std::log(std::max(pm, 1e-6)));
    ext_loss_ = ext_n_ ? loss_ema * ext_loss_ + (1 - loss_ema) * le : le;
    mix_loss_ = ext_n_ ? loss_ema * mix_loss_ + (1 - loss_ema) * lm : lm;
    ++ext_n_;
  }
  // 2. learn the event, in its own context (the prediction may have used less)
  using R = resolved_query;
  resolved_query lq;
  keys_of(q, lq);
  app_id p1 = n_recent_ > 0 ? recent_[n_recent_ - 1] : no_app;
  app_id p2 = n_recent_ > 1 ? recent_[n_recent_ - 2] : no_app;
  freq_slow_.add(y, freq_slow_d, cap_freq_slow);
  freq_fast_.add(y, freq_fast_d, cap_freq_fast);
  if (p1 != no_app) {
    m1_.add(p1, y, {fast, slow}, cap_m1, rows_m1);
    gap_.add(lq.keys[R::r_gap], y, {ctx_d}, cap_ctx, rows_gap);
  }
  if (p2 != no_app) m2_.add(lq.keys[R::r_m2f], y, {fast, slow}, cap_m2, rows_m2);
  hour_.add(lq.keys[R::r_hour], y, {ctx_d}, cap_ctx, rows_hour);
  sess_.add(lq.keys[R::r_sess], y, {ctx_d}, cap_ctx, rows_sess);
  t.learn(p1, y);
  timing_.observe(t.timing_, e.time_s, y);
  activity_.observe(e.time_s, u ? u->duration_ms : NAN);
  if (u) { usage_.add(y, *u); t.usage_.add(y, *u); }
  // 3. history
  pos_ = lq.regime == 0 ? 0 : pos_ + 1;
  if (n_recent_ == recent_max) {
    std::rotate(recent_.begin(), recent_.begin() + 1, recent_.end());
    recent_[recent_max - 1] = y;
  } else {
    recent_[n_recent_++] = y;
  }
  last_time_ = e.time_s;
  last_session_ = e.session;
  last_device_ = e.device;
}

void user_model::observe_usage(tenant_model& t, app_id a, const usage& u) {
  usage_.add(a, u);
  t.usage_.add(a, u);
}

quantiles3 user_model::usage_of(const tenant_model& t, app_id a, metric m) const {
  if (auto* u = usage_.find(a)) {
    auto q = u->get(m);
    if (q.n > 0) return q;
  }
  if (auto* u = t.usage_.find(a)) return u->get(m);
  return {};
}

void user_model::save(std::string& out) const {
  writer w(out);
  w.u8(2);
  freq_slow_.save(w);
  freq_fast_.save(w);
  m1_.save(w);
  m2_.save(w);
  hour_.save(w);
  sess_.save(w);
  gap_.save(w);
  w.u8(w_init_);
  if (w_init_)
    for (auto& r : w_) for (float v : r) w.f32(v);
  w.u8(n_recent_);
  for (int i = 0; i < n_recent_; ++i) w.var(recent_[i]);
  w.f64(last_time_);
  w.var(last_session_);
  w.var(last_device_);
  w.var(pos_);
  w.f32(ext_loss_); w.f32(mix_loss_); w.var(ext_n_);
  timing_.save(w);
  usage_.save(w);
  activity_.save(w);
}

bool user_model::load(std::string_view in) {
  reader r(in);
  if (r.u8() != 2) return false;
  user_model m;
  m.freq_slow_.load(r);
  m.freq_fast_.load(r);
  m.m1_.load(r);
  m.m2_.load(r);
  m.hour_.load(r);
  m.sess_.load(r);
  m.gap_.load(r);
  m.w_init_ = r.u8() != 0;
  if (m.w_init_)
    for (auto& row : m.w_) for (float& v : row) v = r.f32();
  m.n_recent_ = r.u8();
  if (m.n_recent_ > recent_max) return false;
  for (int i = 0; i < m.n_recent_; ++i) m.recent_[i] = static_cast<app_id>(r.var());
  m.last_time_ = r.f64();
  m.last_session_ = static_cast<std::uint32_t>(r.var());
  m.last_device_ = static_cast<std::uint32_t>(r.var());
  m.pos_ = static_cast<std::uint32_t>(r.var());
  m.ext_loss_ = r.f32(); m.mix_loss_ = r.f32();
  m.ext_n_ = static_cast<std::uint32_t>(r.var());
  m.timing_.load(r);
  m.usage_.load(r);
  m.activity_.load(r);
  if (!r.ok() || !r.done()) return false;
  *this = std::move(m);
  return true;
}

std::size_t user_model::memory_bytes() const {
  std::size_t n = sizeof *this + freq_slow_.heap_bytes() + freq_fast_.heap_bytes() +
                  m1_.heap_bytes() + m2_.heap_bytes() + hour_.heap_bytes() + sess_.heap_bytes() +
                  gap_.heap_bytes();
  n += timing_.memory_bytes() - sizeof timing_;
  return n + usage_.memory_bytes() - sizeof usage_;
}

} // namespace prescient::predict
