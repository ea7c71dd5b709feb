#include "prescient/predict/profile.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace prescient::predict {

namespace {
// Decay per update of a row. Fast ~ the last 5 uses of a context (the IPAM
// regime), slow ~ the last 30; frequencies ~10 / ~100. The mixture learns
// which of them predicts a given user, so none is tuned to a data set.
constexpr float fast = 0.8f, slow = 0.97f, freq_fast_d = 0.9f, freq_slow_d = 0.99f, ctx_d = 0.95f;
constexpr float tenant_trans_d = 0.999f;
std::size_t knob(const char* n, std::size_t d) { const char* e = std::getenv(n); return e ? std::strtoul(e, nullptr, 0) : d; }
const std::size_t cap_freq_slow = knob("K_CFS", 64), cap_freq_fast = knob("K_CFF", 24), cap_m1 = knob("K_CM1", 16), cap_m2 = knob("K_CM2", 8), cap_ctx = knob("K_CCTX", 8);
const std::size_t rows_m1 = knob("K_RM1", 64), rows_m2 = knob("K_RM2", 96), rows_hour = knob("K_RH", 48), rows_sess = knob("K_RS", 24), rows_gap = knob("K_RG", 64);
constexpr std::size_t cap_tenant_row = 32, tenant_top = 16;
constexpr double share = 0.01;         // fixed-share mixing
constexpr double new_session_gap = 1800;
constexpr float loss_ema = 0.95f;      // external-model gate: ~20 recent events
constexpr std::uint32_t ext_min_n = 20;
constexpr double min_p = 1e-9;
unsigned ablate_mask() {
  static unsigned m = [] { const char* e = std::getenv("PRESCIENT_ABLATE"); return e ? unsigned(std::strtoul(e, nullptr, 0)) : 0u; }();
  return m;
}

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
double wb(const decayed_row* r, double c, double lower) {
  if (!r || r->total <= 0) return lower;
  return (c + r->novel * lower) / (double(r->total) + r->novel);
}
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

double tenant_model::prior(app_id a) const {
  auto it = freq_.find(a);
  if (it == freq_.end()) return 0;
  return it->second / (freq_total_ + double(freq_.size()));
}

void tenant_model::learn(app_id prev, app_id a) {
  freq_[a] += 1;
  freq_total_ += 1;
  if (prev != no_app) trans_[prev].add(a, tenant_trans_d, cap_tenant_row);
  ++updates_;
  // refresh the candidate list often at first, then every 256 updates
  if (updates_ < 256 || updates_ % 256 == 0 ||
      std::find(top_.begin(), top_.end(), a) == top_.end()) {
    if (updates_ >= 256 && updates_ % 256 != 0 && top_.size() >= tenant_top) {
      auto& mn = *std::min_element(top_.begin(), top_.end(),
                                   [&](app_id l, app_id r) { return freq_.at(l) < freq_.at(r); });
      if (freq_.at(a) > freq_.at(mn)) mn = a;
      return;
    }
    std::vector<std::pair<float, app_id>> v;
    v.reserve(freq_.size());
    for (auto& [k, c] : freq_) v.emplace_back(c, k);
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
  std::vector<std::pair<app_id, float>> f(freq_.begin(), freq_.end());
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
    t.freq_[a] = r.f32();
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
user_model::user_model() { init_weights(w_); }

resolved_query user_model::resolve(const tenant_model& t, const query& q) const {
  resolved_query rq;
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
  rq.rows[R::r_fs] = &freq_slow_;
  rq.rows[R::r_ff] = &freq_fast_;
  if (p1 != no_app) {
    auto it = t.trans_.find(p1);
    rq.rows[R::r_tm1] = it == t.trans_.end() ? nullptr : &it->second;
    rq.rows[R::r_m1f] = m1f_.find(p1);
    rq.rows[R::r_m1s] = m1s_.find(p1);
    rq.rows[R::r_gap] = gap_.find(gkey);
  }
  if (p2 != no_app) {
    rq.rows[R::r_m2f] = m2f_.find(m2key);
    rq.rows[R::r_m2s] = m2s_.find(m2key);
  }
  rq.rows[R::r_hour] = hour_.find(hkey);
  rq.rows[R::r_sess] = sess_.find(skey);
  return rq;
}

void user_model::counts_of(const resolved_query& rq, app_id a, double* cnt) const {
  for (int r = 0; r < resolved_query::row_count; ++r)
    cnt[r] = rq.rows[r] ? rq.rows[r]->count(a) : 0.0;
}

void user_model::chain(const tenant_model&, const resolved_query& rq, const double* c, double tp,
                       double* out) const {
  using R = resolved_query;
  auto& rw = rq.rows;
  out[c_tenant] = tp;
  out[c_tenant_m1] = wb(rw[R::r_tm1], c[R::r_tm1], tp);
  double b = wb(rw[R::r_fs], c[R::r_fs], tp);
  double f = wb(rw[R::r_ff], c[R::r_ff], tp);
  out[c_freq_slow] = b;
  out[c_freq_fast] = f;
  double m1f = wb(rw[R::r_m1f], c[R::r_m1f], f);
  double m1s = wb(rw[R::r_m1s], c[R::r_m1s], b);
  out[c_m1_fast] = m1f;
  out[c_m1_slow] = m1s;
  out[c_m2_fast] = wb(rw[R::r_m2f], c[R::r_m2f], m1f);
  out[c_m2_slow] = wb(rw[R::r_m2s], c[R::r_m2s], m1s);
  out[c_hour] = wb(rw[R::r_hour], c[R::r_hour], b);
  out[c_session] = wb(rw[R::r_sess], c[R::r_sess], b);
  out[c_gap] = wb(rw[R::r_gap], c[R::r_gap], m1s);
  out[c_external] = 0;
}

void user_model::score(const tenant_model& t, const query& q, scored_set& s,
                       const external_model* ext) const {
  s.rq = resolve(t, q);
  s.ext.clear();
  s.ext_used = false;
  // candidates: everything the context rows know, plus the tenant's top apps
  s.cand.clear();
  for (auto* r : s.rq.rows)
    if (r) for (auto& e : r->e) s.cand.push_back(e.app);
  for (auto a : t.top_) s.cand.push_back(a);
  s.w = w_init_ ? w_[s.rq.regime] : t.weights_[s.rq.regime];
  if (ext && external_in_use()) {
    external_query xq{q, recent_.data(), n_recent_, n_recent_ ? last_time_ : 0.0};
    ext->predict(xq, s.ext);
    std::sort(s.ext.begin(), s.ext.end(), [](auto& l, auto& r) { return l.app < r.app; });
    for (auto& e : s.ext) s.cand.push_back(e.app);
    s.ext_used = true;
  } else {
    s.w[c_external] = 0;
  }
  for (int k = 0; k < component_count; ++k) if (ablate_mask() >> k & 1) s.w[k] = 0;
  normalise(s.w);
  std::sort(s.cand.begin(), s.cand.end());
  s.cand.erase(std::unique(s.cand.begin(), s.cand.end()), s.cand.end());
  const std::size_t C = s.cand.size();
  // counts of each candidate in each row (scatter the rows' entries)
  constexpr int NR = resolved_query::row_count;
  thread_local std::vector<double> cnt;
  cnt.assign(C * NR, 0.0);
  for (int r = 0; r < NR; ++r)
    if (auto* row = s.rq.rows[r])
      for (auto& e : row->e) {
        auto it = std::lower_bound(s.cand.begin(), s.cand.end(), e.app);
        cnt[std::size_t(it - s.cand.begin()) * NR + r] = e.w;
      }
  s.comp.assign(C * component_count, 0.0);
  s.mix.assign(C, 0.0);
  double out[component_count];
  for (std::size_t c = 0; c < C; ++c) {
    chain(t, s.rq, &cnt[c * NR], t.prior(s.cand[c]), out);
    if (s.ext_used) {
      auto it = std::lower_bound(s.ext.begin(), s.ext.end(), s.cand[c],
                                 [](auto& e, app_id a) { return e.app < a; });
      out[c_external] = it != s.ext.end() && it->app == s.cand[c] ? it->p : 0.0;
    }
    double m = 0;
    for (int k = 0; k < component_count; ++k) {
      s.comp[std::size_t(k) * C + c] = out[k];
      m += s.w[k] * out[k];
    }
    s.mix[c] = m;
  }
  s.order.resize(C);
  for (std::size_t c = 0; c < C; ++c) s.order[c] = static_cast<std::uint32_t>(c);
  std::sort(s.order.begin(), s.order.end(), [&](auto l, auto r) {
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
  next_app_prediction p;
  double rest = std::max(1e-12, 1 - s.raw_conf);
  for (std::size_t i = 0; i < std::min(k, s.order.size()); ++i) {
    auto c = s.order[i];
    p.top.push_back({s.cand[c], i == 0 ? s.conf : s.mix[c] * std::max(0.0, 1 - s.conf) / rest});
  }
  p.confidence = s.conf;
  p.window = timing_.next_window(t.timing_);
  return p;
}

bool user_model::external_in_use() const { return ext_n_ >= ext_min_n && ext_loss_ < mix_loss_; }

std::array<double, component_count> user_model::weights(int regime) const {
  return w_[std::clamp(regime, 0, 1)];
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
  {
    double cnt[resolved_query::row_count];
    counts_of(s.rq, y, cnt);
    chain(t, s.rq, cnt, t.prior(y), py);
    py[c_external] = 0;
    for (auto& x : s.ext)
      if (x.app == y) py[c_external] = x.p;
  }
  if (!s.cand.empty()) t.calib_.update(s.raw_conf, s.cand[s.order[0]] == y);
  if (!w_init_) { w_ = t.weights_; w_init_ = true; }
  auto bayes = [&](std::array<double, component_count>& w, bool ext_active) {
    std::array<double, component_count> v = w;
    if (!ext_active) v[c_external] = 0;
    for (int k = 0; k < component_count; ++k) if (ablate_mask() >> k & 1) v[k] = 0;
    double z = 0;
    for (int k = 0; k < component_count; ++k) z += v[k] * py[k];
    if (!(z > min_p)) return;
    int active = ext_active ? component_count : online_components;
    for (int k = 0; k < component_count; ++k) {
      if (k == c_external && !ext_active) continue;
      double nw = v[k] * py[k] / z;
      w[k] = (1 - share) * nw + share / active;
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
  const resolved_query lq = resolve(t, q);
  app_id p1 = n_recent_ > 0 ? recent_[n_recent_ - 1] : no_app;
  app_id p2 = n_recent_ > 1 ? recent_[n_recent_ - 2] : no_app;
  freq_slow_.add(y, freq_slow_d, cap_freq_slow);
  freq_fast_.add(y, freq_fast_d, cap_freq_fast);
  if (p1 != no_app) {
    m1f_.add(p1, y, fast, cap_m1, rows_m1);
    m1s_.add(p1, y, slow, cap_m1, rows_m1);
    gap_.add(lq.keys[R::r_gap], y, ctx_d, cap_ctx, rows_gap);
  }
  if (p2 != no_app) {
    m2f_.add(lq.keys[R::r_m2f], y, fast, cap_m2, rows_m2);
    m2s_.add(lq.keys[R::r_m2s], y, slow, cap_m2, rows_m2);
  }
  hour_.add(lq.keys[R::r_hour], y, ctx_d, cap_ctx, rows_hour);
  sess_.add(lq.keys[R::r_sess], y, ctx_d, cap_ctx, rows_sess);
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
  w.u8(1);
  freq_slow_.save(w);
  freq_fast_.save(w);
  for (auto* tb : {&m1f_, &m1s_, &m2f_, &m2s_, &hour_, &sess_, &gap_}) tb->save(w);
  w.u8(w_init_);
  if (w_init_)
    for (auto& r : w_) for (double v : r) w.f32(static_cast<float>(v));
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
  if (r.u8() != 1) return false;
  user_model m;
  m.freq_slow_.load(r);
  m.freq_fast_.load(r);
  for (auto* tb : {&m.m1f_, &m.m1s_, &m.m2f_, &m.m2s_, &m.hour_, &m.sess_, &m.gap_}) tb->load(r);
  m.w_init_ = r.u8() != 0;
  if (m.w_init_)
    for (auto& row : m.w_) for (double& v : row) v = r.f32();
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
  auto row = [](const decayed_row& r) { return sizeof r + r.e.capacity() * sizeof(row_entry); };
  auto table = [&](const context_table& t) {
    std::size_t n = sizeof t + t.rows.capacity() * sizeof(context_table::slot);
    for (auto& s : t.rows) n += s.row.e.capacity() * sizeof(row_entry);
    return n;
  };
  std::size_t n = sizeof *this + row(freq_slow_) + row(freq_fast_);
  for (auto* tb : {&m1f_, &m1s_, &m2f_, &m2s_, &hour_, &sess_, &gap_}) n += table(*tb);
  std::string s;
  writer w(s);
  timing_.save(w);
  usage_.save(w);
  return n + 2 * s.size();  // timing and usage: about twice their encoding
}

} // namespace prescient::predict
