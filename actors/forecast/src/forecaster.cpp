// The forecaster: rolling-origin selection and combination of candidate
// models, empirical per-horizon intervals, online updates and retraining.
#include "prescient/forecast/forecaster.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "models.hpp"

namespace prescient::forecast {

struct forecaster::member {
  std::unique_ptr<detail::model> m;
  double weight = 1;
  member() = default;
  member(std::unique_ptr<detail::model> p, double w) : m(std::move(p)), weight(w) {}
  member(const member& o) : m(o.m ? o.m->clone() : nullptr), weight(o.weight) {}
  member& operator=(const member& o) {
    m = o.m ? o.m->clone() : nullptr;
    weight = o.weight;
    return *this;
  }
  member(member&&) noexcept = default;
  member& operator=(member&&) noexcept = default;
};

namespace {

bool finite(double v) { return std::isfinite(v); }

double quantile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = p * (v.size() - 1);
  std::size_t i = static_cast<std::size_t>(pos);
  if (i + 1 >= v.size()) return v.back();
  double f = pos - i;
  return v[i] * (1 - f) + v[i + 1] * f;
}

/// Mean absolute value of the last `k` values before index `end`.
double local_level(const std::vector<double>& y, std::size_t end, std::size_t k) {
  std::size_t b = end > k ? end - k : 0;
  double s = 0;
  for (std::size_t i = b; i < end; ++i) s += std::fabs(y[i]);
  return end > b ? s / (end - b) : 0.0;
}

/// The lag near the nominal period m (within +-m/6) whose seasonal naive
/// error is smallest, when it beats period m clearly (cycles that drift by
/// a step per cycle, e.g. ones tied to tides or solar time); else 0.
/// Judged on the last 7 cycles, since such drifts come and go.
int drifting_period(const std::vector<double>& y, std::size_t n, int m) {
  if (m < 6 || n < 3 * static_cast<std::size_t>(m)) return 0;
  std::size_t from = n > 8 * static_cast<std::size_t>(m) ? n - 7 * static_cast<std::size_t>(m) : 2 * m;
  auto err = [&](int L) {
    double s = 0;
    for (std::size_t t = from; t < n; ++t) s += std::fabs(y[t] - y[t - L]);
    return s / (n - from);
  };
  double base = err(m), best = base;
  int arg = 0;
  for (int L = m - m / 6; L <= m + m / 6; ++L) {
    if (L == m || L < 2) continue;
    double e = err(L);
    if (e < best) best = e, arg = L;
  }
  return best < 0.8 * base ? arg : 0;
}

std::vector<std::unique_ptr<detail::model>> candidates(int m1, int m2, int drift, bool positive) {
  using namespace detail;
  std::vector<std::unique_ptr<model>> c;
  if (drift > 1) {
    c.push_back(make_seasonal_naive(drift));
    c.push_back(make_ets(trend_kind::none, false, drift, 0));
    c.push_back(make_ets(trend_kind::damped, false, drift, 0));
  }
  c.push_back(make_seasonal_naive(1));
  c.push_back(make_drift());
  c.push_back(make_ets(trend_kind::none, false, 0, 0));
  c.push_back(make_ets(trend_kind::damped, false, 0, 0));
  c.push_back(make_theta(m1));
  if (m1 > 1) {
    c.push_back(make_seasonal_naive(m1));
    c.push_back(make_seasonal_naive(m1, 7));
    c.push_back(make_ets(trend_kind::none, false, m1, 0));
    c.push_back(make_ets(trend_kind::damped, false, m1, 0));
    if (positive) c.push_back(make_ets(trend_kind::damped, true, m1, 0));
  }
  if (m2 > 1) {
    c.push_back(make_seasonal_naive(m2));
    c.push_back(make_seasonal_naive(m2, 3));
    c.push_back(make_ets(trend_kind::none, false, m1, m2));
    c.push_back(make_ets(trend_kind::damped, false, m1, m2));
  }
  return c;
}

} // namespace

const interval* forecast_result::at(double level) const {
  for (auto& i : intervals)
    if (std::fabs(i.level - level) < 1e-9) return &i;
  return nullptr;
}

std::vector<int> seasons_for_step(double step_seconds) {
  std::vector<int> s;
  if (!(step_seconds > 0)) return s;
  double d = 86400.0 / step_seconds;
  if (d >= 2 && std::fabs(d - std::round(d)) < 1e-6) {
    s.push_back(static_cast<int>(std::round(d)));
    s.push_back(static_cast<int>(std::round(7 * d)));
  } else {
    double w = 7 * d;
    if (w >= 2 && std::fabs(w - std::round(w)) < 1e-6) s.push_back(static_cast<int>(std::round(w)));
  }
  return s;
}

forecaster::forecaster(config cfg) : cfg_(std::move(cfg)) {
  cfg_.max_horizon = std::max(1, cfg_.max_horizon);
  cfg_.combine = std::max(1, cfg_.combine);
  cfg_.error_window = std::max(1, cfg_.error_window);
  for (auto& l : cfg_.levels) l = std::clamp(l, 0.0, 0.999);
  int longest = 0;
  for (int s : cfg_.seasons) longest = std::max(longest, s);
  primary_ = cfg_.seasons.empty() ? 0 : std::max(0, cfg_.seasons.front());
  max_history_ = cfg_.max_history ? cfg_.max_history
                                  : std::max<std::size_t>(1000, 4 * static_cast<std::size_t>(longest) +
                                                                   2 * static_cast<std::size_t>(cfg_.max_horizon));
  retrain_every_ = cfg_.retrain_every ? cfg_.retrain_every : (primary_ > 1 ? primary_ : 100);
}

forecaster::forecaster(const forecaster& o) = default;
forecaster& forecaster::operator=(const forecaster& o) = default;
forecaster::forecaster(forecaster&&) noexcept = default;
forecaster& forecaster::operator=(forecaster&&) noexcept = default;
forecaster::~forecaster() = default;

void forecaster::fit(const std::vector<double>& history) {
  history_.clear();
  status_ = status{};
  for (double v : history) {
    if (!finite(v)) continue;
    history_.push_back(v);
    if (history_.size() > max_history_) history_.pop_front();
    ++status_.observations;
  }
  train(false);
}

void forecaster::retrain() {
  train(refit_due_ && refit_by_error_);
  refit_due_ = refit_by_error_ = false;
}

double forecaster::one_step() const {
  double f = 0, wsum = 0;
  for (auto& m : members_) {
    double v;
    m.m->forecast(1, &v);
    f += m.weight * v;
    wsum += m.weight;
  }
  if (wsum <= 0) return history_.empty() ? 0.0 : history_.back();
  f /= wsum;
  return finite(f) ? f : (history_.empty() ? 0.0 : history_.back());
}

void forecaster::observe(double v) {
  if (!finite(v)) return;
  if (!members_.empty()) {
    double f = one_step();
    double e = std::fabs(v - f);
    double lam = 2.0 / (cfg_.error_window + 1.0);
    status_.recent_error = status_.since_retrain == 0 ? e : (1 - lam) * status_.recent_error + lam * e;
    auto r = forecast(1);
    if (auto* i = r.at(0.95)) {
      bool hit = v >= i->lower[0] - 1e-9 && v <= i->upper[0] + 1e-9;
      status_.recent_coverage95 = (1 - lam) * status_.recent_coverage95 + lam * (hit ? 1.0 : 0.0);
    }
  }
  history_.push_back(v);
  if (history_.size() > max_history_) history_.pop_front();
  ++status_.observations;
  ++status_.since_retrain;
  for (auto& m : members_) m.m->update(v);

  bool due = retrain_every_ > 0 && status_.since_retrain >= static_cast<std::size_t>(retrain_every_);
  bool grown = status_.since_retrain >= static_cast<std::size_t>(cfg_.error_window) &&
               status_.recent_error > cfg_.retrain_error_ratio * status_.validated_error +
                                          1e-9 * (std::fabs(v) + 1);
  if (members_.empty() || grown || due) {
    if (!cfg_.defer_refits) {
      train(grown && !due);
    } else if (!refit_due_) {
      refit_due_ = true;
      refit_by_error_ = grown && !due;
    }
  }
}

void forecaster::train(bool by_error) {
  std::vector<double> y(history_.begin(), history_.end());
  const std::size_t n = y.size();
  members_.clear();
  grid_.clear();
  lo_.assign(cfg_.levels.size(), {});
  hi_.assign(cfg_.levels.size(), {});
  ++status_.retrains;
  if (by_error) ++status_.error_retrains;
  status_.since_retrain = 0;
  status_.history = n;
  status_.members.clear();
  status_.recent_error = 0;
  status_.recent_coverage95 = 1;

  const int H = cfg_.max_horizon;
  int m1 = cfg_.seasons.size() > 0 ? cfg_.seasons[0] : 0;
  int m2 = cfg_.seasons.size() > 1 ? cfg_.seasons[1] : 0;
  if (m1 <= 1) m1 = 0;
  if (m2 <= 1 || m2 <= m1 || !m1) m2 = 0;

  // Validation layout: fit on y[0, n0), roll through [n0, n), forecast Hv
  // steps at origins every `stride` steps.
  std::size_t Hv = std::min<std::size_t>(H, std::max<std::size_t>(1, n / 3));
  auto need = [&](int m) { return m ? 2 * static_cast<std::size_t>(m) : std::size_t{6}; };
  if (m1 && n < Hv + need(m1) + 1) {
    // A long configured horizon must not hide a season the history already
    // shows twice: validate a shorter horizon instead (beyond it, forecasts
    // reuse the intervals of the longest validated horizon).
    if (n > need(m1) + std::max<std::size_t>(static_cast<std::size_t>(m1) / 4, 8))
      Hv = std::min(Hv, (n - need(m1)) / 2);
    else
      m1 = 0, m2 = 0;
  }
  std::size_t W = 0, n0 = n;
  if (n >= 8) {
    std::size_t want = std::max<std::size_t>({m1 ? 7 * static_cast<std::size_t>(m1) : 0, 4 * Hv, 60});
    std::size_t avail = n - Hv > need(m1) ? n - Hv - need(m1) : 0;
    W = std::min(want, avail);
    n0 = n - Hv - W;
  }
  if (m2 && n0 < need(m2)) m2 = 0;

  if (n < 8 || W == 0) {
    // Too short to validate: naive, intervals from the spread of the steps.
    members_.emplace_back(detail::make_seasonal_naive(1), 1.0);
    members_.back().m->fit(y);
    status_.members.push_back(members_.back().m->name());
    double sd = 0;
    if (n >= 2) {
      for (std::size_t i = 1; i < n; ++i) sd += (y[i] - y[i - 1]) * (y[i] - y[i - 1]);
      sd = std::sqrt(sd / (n - 1));
    }
    if (n >= 1 && sd == 0 && n < 3) sd = 0.25 * std::fabs(y.back());
    grid_ = {1};
    relative_ = false;
    for (std::size_t l = 0; l < cfg_.levels.size(); ++l) {
      // Normal quantile approximation for the level (good to ~1e-3).
      double p = 0.5 + cfg_.levels[l] / 2, t = std::sqrt(-2 * std::log(1 - p));
      double z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                         (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
      lo_[l] = {-z * sd};
      hi_[l] = {z * sd};
    }
    status_.validated_error = sd;
    return;
  }

  bool positive = *std::min_element(y.begin(), y.end()) > 0;
  int drift = m1 ? drifting_period(y, n, m1) : 0;
  auto cands = candidates(m1, m2, drift, positive && *std::min_element(y.begin(), y.begin() + n0) > 0);
  const std::size_t C = cands.size();

  // Horizon grid: every step up to 96, then ~5% apart.
  for (std::size_t h = 1; h <= Hv;) {
    grid_.push_back(static_cast<int>(h));
    h = h < 96 ? h + 1 : std::max(h + 1, static_cast<std::size_t>(h * 1.05));
  }
  if (grid_.back() != static_cast<int>(Hv)) grid_.push_back(static_cast<int>(Hv));
  const std::size_t G = grid_.size();
  std::vector<double> gw(G);  // each grid point stands for this many horizons
  for (std::size_t g = 0; g < G; ++g) gw[g] = g == 0 ? 1.0 : grid_[g] - grid_[g - 1];

  std::size_t stride = std::max<std::size_t>(1, (W + 1) / 240);
  std::vector<std::size_t> origins;
  for (std::size_t o = n0; o < n; o += stride) origins.push_back(o);
  const std::size_t O = origins.size();
  std::size_t season_len = m1 ? m1 : 24;
  std::vector<double> lvl(O);
  for (std::size_t k = 0; k < O; ++k) lvl[k] = local_level(y, origins[k], season_len);

  // fc[c][k*G + g]: candidate c's forecast at origin k for grid_[g] steps.
  std::vector<std::vector<double>> fc(C, std::vector<double>(O * G, 0.0));
  std::vector<double> score(C, 0.0), buf(Hv);
  std::vector<double> head(y.begin(), y.begin() + n0);
  for (std::size_t c = 0; c < C; ++c) {
    auto& m = *cands[c];
    m.fit(head);
    std::size_t t = n0, k = 0;
    double err = 0, wsum = 0;
    while (k < O) {
      for (; t < origins[k]; ++t) m.update(y[t]);
      std::size_t hmax = std::min(Hv, n - origins[k]);
      m.forecast(static_cast<int>(hmax), buf.data());
      for (std::size_t g = 0; g < G && static_cast<std::size_t>(grid_[g]) <= hmax; ++g) {
        double f = buf[grid_[g] - 1];
        if (!finite(f)) f = y[origins[k] - 1];
        fc[c][k * G + g] = f;
        err += gw[g] * std::fabs(y[origins[k] + grid_[g] - 1] - f);
        wsum += gw[g];
      }
      ++k;
    }
    score[c] = wsum > 0 ? err / wsum : 0.0;
    if (!finite(score[c])) score[c] = std::numeric_limits<double>::max();
  }

  std::vector<std::size_t> order(C);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return score[a] < score[b]; });
  std::size_t K = std::min<std::size_t>(cfg_.combine, C);
  std::vector<std::size_t> chosen(order.begin(), order.begin() + K);
  // Weights: inverse validation error (a model that is much better than the
  // others dominates; near-ties are averaged evenly).
  std::vector<double> weight(K, 1.0);
  {
    double floor_err = 1e-9 * (local_level(y, n, n) + 1e-12), wsum = 0;
    for (std::size_t i = 0; i < K; ++i) wsum += weight[i] = 1.0 / std::max(score[chosen[i]], floor_err);
    for (auto& w : weight) w /= wsum;
  }

  // Out-of-sample errors of the combination, per grid horizon; relative to
  // the local level unless the series sits at or near zero.
  double overall = local_level(y, n, n);
  double minlvl = *std::min_element(lvl.begin(), lvl.end());
  bool relative = overall > 0 && minlvl > 0.1 * overall;
  std::vector<std::vector<double>> err(G);
  std::vector<std::vector<std::size_t>> at(G);  // origin index of each error
  double one_step_err = 0;
  std::size_t one_step_cnt = 0;
  for (std::size_t k = 0; k < O; ++k) {
    std::size_t hmax = std::min(Hv, n - origins[k]);
    for (std::size_t g = 0; g < G && static_cast<std::size_t>(grid_[g]) <= hmax; ++g) {
      double f = 0;
      for (std::size_t i = 0; i < K; ++i) f += weight[i] * fc[chosen[i]][k * G + g];
      if (cfg_.nonnegative) f = std::max(0.0, f);
      double e = y[origins[k] + grid_[g] - 1] - f;
      if (g == 0) one_step_err += std::fabs(e), ++one_step_cnt;
      err[g].push_back(relative ? e / lvl[k] : e);
      at[g].push_back(k);
    }
  }
  status_.validated_error = one_step_cnt ? one_step_err / one_step_cnt : 0.0;
  relative_ = relative;

  // Per-horizon quantiles from the errors of origins [from, to), pooling
  // neighbouring horizons (+-10%, at least +-1 step) for stabler tails.
  auto quantiles = [&](std::size_t from, std::size_t to, std::vector<std::vector<double>>& lo,
                       std::vector<std::vector<double>>& hi) {
    lo.assign(cfg_.levels.size(), {});
    hi.assign(cfg_.levels.size(), {});
    for (std::size_t g = 0; g < G; ++g) {
      std::vector<double> pool;
      for (std::size_t j = 0; j < G; ++j)
        if (std::abs(grid_[j] - grid_[g]) <= std::max(1, grid_[g] / 10))
          for (std::size_t i = 0; i < err[j].size(); ++i)
            if (at[j][i] >= from && at[j][i] < to) pool.push_back(err[j][i]);
      for (std::size_t l = 0; l < cfg_.levels.size(); ++l) {
        double a = (1 - cfg_.levels[l]) / 2;
        lo[l].push_back(std::min(0.0, quantile(pool, a)));
        hi[l].push_back(std::max(0.0, quantile(pool, 1 - a)));
      }
    }
  };
  quantiles(0, O, lo_, hi_);
  // Calibration factor: intervals made from the earlier half of the origins,
  // checked on the later half. The factor that would have given the nominal
  // coverage there (at least 1, at most 2) widens the final intervals: it
  // accounts for errors drifting over time, which the pooled quantiles miss.
  if (O >= 20) {
    std::vector<std::vector<double>> alo, ahi;
    quantiles(0, O / 2, alo, ahi);
    for (std::size_t l = 0; l < cfg_.levels.size(); ++l) {
      std::vector<double> need;  // factor needed to cover each later error
      for (std::size_t g = 0; g < G; ++g)
        for (std::size_t i = 0; i < err[g].size(); ++i) {
          if (at[g][i] < O / 2) continue;
          double e = err[g][i];
          double r = e < 0 ? (alo[l][g] < 0 ? e / alo[l][g] : (e < 0 ? 1e9 : 0)) : (ahi[l][g] > 0 ? e / ahi[l][g] : (e > 0 ? 1e9 : 0));
          need.push_back(r);
        }
      double f = need.empty() ? 1.0 : quantile(need, cfg_.levels[l]);
      f = std::clamp(f, 1.0, 2.0);
      for (auto& v : lo_[l]) v *= f;
      for (auto& v : hi_[l]) v *= f;
    }
  }
  // Widths never shrink with the horizon.
  for (std::size_t l = 0; l < cfg_.levels.size(); ++l)
    for (std::size_t g = 1; g < G; ++g) {
      lo_[l][g] = std::min(lo_[l][g], lo_[l][g - 1]);
      hi_[l][g] = std::max(hi_[l][g], hi_[l][g - 1]);
    }

  // Refit the chosen models on the whole history.
  for (std::size_t i = 0; i < K; ++i) {
    auto c = chosen[i];
    cands[c]->fit(y);
    status_.members.push_back(cands[c]->name());
    members_.emplace_back(std::move(cands[c]), weight[i]);
  }
}

forecast_result forecaster::forecast(int horizon) const {
  forecast_result r;
  horizon = std::max(0, horizon);
  r.point.assign(horizon, 0.0);
  double last = history_.empty() ? 0.0 : history_.back();
  std::vector<double> buf(horizon);
  double wsum = 0;
  for (auto& m : members_) {
    m.m->forecast(horizon, buf.data());
    for (int h = 0; h < horizon; ++h) r.point[h] += m.weight * (finite(buf[h]) ? buf[h] : last);
    wsum += m.weight;
  }
  for (int h = 0; h < horizon; ++h) {
    r.point[h] = wsum > 0 ? r.point[h] / wsum : last;
    if (!finite(r.point[h])) r.point[h] = finite(last) ? last : 0.0;
    if (cfg_.nonnegative) r.point[h] = std::max(0.0, r.point[h]);
  }
  // Current local level for relative offsets.
  double scale = 1;
  if (relative_) {
    std::size_t k = primary_ > 1 ? primary_ : 24;
    std::size_t n = history_.size(), b = n > k ? n - k : 0;
    double s = 0;
    for (std::size_t i = b; i < n; ++i) s += std::fabs(history_[i]);
    scale = n > b ? s / (n - b) : 0.0;
  }
  for (std::size_t l = 0; l < cfg_.levels.size(); ++l) {
    interval iv;
    iv.level = cfg_.levels[l];
    iv.lower.resize(horizon);
    iv.upper.resize(horizon);
    for (int h = 1; h <= horizon; ++h) {
      double lo = 0, hi = 0;
      if (!grid_.empty() && l < lo_.size() && !lo_[l].empty()) {
        auto it = std::lower_bound(grid_.begin(), grid_.end(), h);
        if (it == grid_.end()) {
          double grow = std::sqrt(static_cast<double>(h) / grid_.back());
          lo = lo_[l].back() * grow, hi = hi_[l].back() * grow;
        } else {
          std::size_t g = static_cast<std::size_t>(it - grid_.begin());
          if (*it == h || g == 0) {
            lo = lo_[l][g], hi = hi_[l][g];
          } else {
            double f = static_cast<double>(h - grid_[g - 1]) / (grid_[g] - grid_[g - 1]);
            lo = lo_[l][g - 1] * (1 - f) + lo_[l][g] * f;
            hi = hi_[l][g - 1] * (1 - f) + hi_[l][g] * f;
          }
        }
        if (relative_) lo *= scale, hi *= scale;
      }
      double p = r.point[h - 1];
      double a = p + lo, b = p + hi;
      if (!finite(a)) a = p;
      if (!finite(b)) b = p;
      if (cfg_.nonnegative) a = std::max(0.0, a), b = std::max(0.0, b);
      iv.lower[h - 1] = std::min(a, p);
      iv.upper[h - 1] = std::max(b, p);
    }
    r.intervals.push_back(std::move(iv));
  }
  return r;
}

forecast_result forecaster::preview(const std::vector<double>& extra, int horizon) const {
  forecaster copy(*this);
  copy.retrain_every_ = -1;                 // a preview never refits...
  copy.cfg_.retrain_error_ratio = 1e300;    // ...whatever the error does
  for (double v : extra) copy.observe(v);
  return copy.forecast(horizon);
}

forecast_result forecast_once(const std::vector<double>& history, int horizon, config cfg) {
  cfg.max_horizon = std::max(cfg.max_horizon, horizon);
  forecaster f(std::move(cfg));
  f.fit(history);
  return f.forecast(horizon);
}

} // namespace prescient::forecast
