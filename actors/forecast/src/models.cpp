// Candidate models: seasonal naive family, exponential smoothing (single and
// double seasonal, additive or multiplicative, damped trend) and Theta.
#include "models.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace prescient::forecast::detail {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) {
  p = std::clamp(p, 1e-6, 1 - 1e-6);
  return std::log(p / (1 - p));
}

// --- seasonal naive / seasonal mean ---------------------------------------

class seasonal_naive final : public model {
public:
  seasonal_naive(int period, int cycles)
    : m_(std::max(1, period)), k_(std::max(1, cycles)),
      hist_(static_cast<std::size_t>(m_) * static_cast<std::size_t>(k_)) {}

  std::string name() const override {
    if (m_ <= 1) return "naive";
    if (k_ == 1) return "snaive" + std::to_string(m_);
    return "smean" + std::to_string(m_) + "x" + std::to_string(k_);
  }
  void fit(const std::vector<double>& y) override {
    hist_.clear();
    std::size_t cap = static_cast<std::size_t>(m_) * k_;
    for (std::size_t i = y.size() > cap ? y.size() - cap : 0; i < y.size(); ++i) hist_.push(y[i]);
  }
  void update(double v) override { hist_.push(v); }
  void forecast(int h, double* out) const override {
    std::size_t n = hist_.size();
    double last = n ? hist_.back(1) : 0.0;
    for (int i = 0; i < h; ++i) {
      std::size_t j = static_cast<std::size_t>(i % m_);
      double sum = 0;
      int cnt = 0;
      for (int k = 1; k <= k_; ++k) {
        std::size_t back = static_cast<std::size_t>(k) * m_ - j;
        if (back > n) break;
        sum += hist_.back(back);
        ++cnt;
      }
      out[i] = cnt ? sum / cnt : last;
    }
  }
  std::unique_ptr<model> clone() const override { return std::make_unique<seasonal_naive>(*this); }

private:
  int m_, k_;
  ring hist_;
};

// --- random walk with drift (the mean step continues) ----------------------

class drift final : public model {
public:
  std::string name() const override { return "drift"; }
  void fit(const std::vector<double>& y) override {
    n_ = y.size();
    first_ = n_ ? y.front() : 0.0;
    last_ = n_ ? y.back() : 0.0;
  }
  void update(double v) override {
    if (!n_) first_ = v;
    last_ = v;
    ++n_;
  }
  void forecast(int h, double* out) const override {
    double slope = n_ > 1 ? (last_ - first_) / (n_ - 1) : 0.0;
    for (int i = 0; i < h; ++i) out[i] = last_ + slope * (i + 1);
  }
  std::unique_ptr<model> clone() const override { return std::make_unique<drift>(*this); }

private:
  std::size_t n_ = 0;
  double first_ = 0, last_ = 0;
};

// --- exponential smoothing ------------------------------------------------

class ets final : public model {
public:
  ets(trend_kind trend, bool mult, int m1, int m2)
    : trend_(trend), mult_(mult), m1_(m1 > 1 ? m1 : 0), m2_(m1 > 1 && m2 > 1 && !mult ? m2 : 0) {}

  std::string name() const override {
    std::string s = "ets(";
    s += trend_ == trend_kind::damped ? "Ad," : "N,";
    s += !m1_ ? "N" : mult_ ? "M" : "A";
    if (m1_) s += std::to_string(m1_);
    if (m2_) s += "+" + std::to_string(m2_);
    return s + ")";
  }

  void fit(const std::vector<double>& y) override {
    fallback_ = false;
    std::size_t n = y.size();
    scale_ = 0;
    for (double v : y) scale_ = std::max(scale_, std::fabs(v));
    scale_ = std::max(scale_, 1e-9);
    if (n < 3 || (m1_ && n < 2 * static_cast<std::size_t>(m1_)) ||
        (m2_ && n < 2 * static_cast<std::size_t>(m2_)) ||
        (mult_ && *std::min_element(y.begin(), y.end()) <= 0)) {
      fallback(y);
      return;
    }
    init_state(y);
    init_ = st_;
    std::vector<double> x0{logit((0.2 - 0.001) / 0.998)};
    if (trend_ == trend_kind::damped) {
      x0.push_back(logit(0.1));
      x0.push_back(logit((0.95 - 0.8) / 0.18));
    }
    if (m1_) x0.push_back(logit(0.1 / 0.8));
    if (m2_) x0.push_back(logit(0.1 / 0.8));
    auto loss = [&](const std::vector<double>& x) {
      unpack(x);
      return run(y);
    };
    auto best = nelder_mead(loss, x0, 1.0, 120 + 60 * static_cast<int>(x0.size()));
    unpack(best);
    if (!std::isfinite(run(y))) {
      fallback(y);
      return;
    }
  }

  void update(double v) override {
    if (!std::isfinite(v)) return;
    if (fallback_) {
      st_.l = v;
      ++st_.t;
      return;
    }
    step(st_, v);
    if (!std::isfinite(st_.l) || !std::isfinite(st_.b)) {  // never let a bad state leak out
      st_.l = v;
      st_.b = 0;
    }
  }

  void forecast(int h, double* out) const override {
    double phi_sum = 0, phi_pow = 1;
    for (int i = 0; i < h; ++i) {
      phi_pow *= phi_;
      phi_sum += phi_pow;
      double f = st_.l + (trend_ == trend_kind::damped ? phi_sum * st_.b : 0.0);
      long t = st_.t + i;
      if (!fallback_) {
        if (mult_ && m1_) {
          f *= st_.s1[t % m1_];
        } else {
          if (m1_) f += st_.s1[t % m1_];
          if (m2_) f += st_.s2[t % m2_];
        }
      }
      out[i] = std::isfinite(f) ? f : st_.l;
    }
  }

  std::unique_ptr<model> clone() const override { return std::make_unique<ets>(*this); }

private:
  struct state {
    double l = 0, b = 0;
    std::vector<double> s1, s2;
    long t = 0;
  };

  void fallback(const std::vector<double>& y) {
    fallback_ = true;
    st_ = state{};
    st_.l = y.empty() ? 0.0 : y.back();
    st_.t = static_cast<long>(y.size());
    phi_ = 1;
  }

  void unpack(const std::vector<double>& x) {
    std::size_t i = 0;
    alpha_ = 0.001 + 0.998 * sigmoid(x[i++]);
    beta_ = 0;
    phi_ = 1;
    if (trend_ == trend_kind::damped) {
      beta_ = alpha_ * 0.999 * sigmoid(x[i++]);
      phi_ = 0.8 + 0.18 * sigmoid(x[i++]);
    }
    g1_ = m1_ ? (1 - alpha_) * sigmoid(x[i++]) : 0;
    g2_ = m2_ ? (1 - alpha_) * sigmoid(x[i++]) : 0;
  }

  // Classical start: level from the first cycle(s), seasonal indices from the
  // mean deviation (or ratio) at each phase over the first few cycles.
  void init_state(const std::vector<double>& y) {
    st_ = state{};
    std::size_t n = y.size();
    if (!m1_) {
      std::size_t k = std::min<std::size_t>(n, 3);
      st_.l = std::accumulate(y.begin(), y.begin() + k, 0.0) / k;
      if (trend_ == trend_kind::damped && n >= 6)
        st_.b = (std::accumulate(y.begin() + 3, y.begin() + 6, 0.0) / 3 - st_.l) / 3;
      return;
    }
    std::size_t big = m2_ ? m2_ : m1_;
    std::size_t cycles = std::min<std::size_t>(n / big, m2_ ? 2 : 4);
    std::vector<double> mean(cycles, 0.0);
    for (std::size_t k = 0; k < cycles; ++k) {
      for (std::size_t j = 0; j < big; ++j) mean[k] += y[k * big + j];
      mean[k] /= big;
    }
    st_.l = mean[0];
    if (trend_ == trend_kind::damped && cycles >= 2)
      st_.b = (mean[cycles - 1] - mean[0]) / static_cast<double>((cycles - 1) * big);
    st_.s1.assign(m1_, mult_ ? 1.0 : 0.0);
    std::vector<double> cnt(m1_, 0.0), acc(m1_, 0.0);
    for (std::size_t k = 0; k < cycles; ++k)
      for (std::size_t j = 0; j < big; ++j) {
        double v = y[k * big + j];
        acc[j % m1_] += mult_ ? v / mean[k] : v - mean[k];
        cnt[j % m1_] += 1;
      }
    for (int j = 0; j < m1_; ++j) st_.s1[j] = cnt[j] ? acc[j] / cnt[j] : (mult_ ? 1.0 : 0.0);
    normalize(st_.s1, mult_);
    if (m2_) {
      st_.s2.assign(m2_, 0.0);
      for (std::size_t j = 0; j < big; ++j) {
        double a = 0;
        for (std::size_t k = 0; k < cycles; ++k) a += y[k * big + j] - mean[k] - st_.s1[j % m1_];
        st_.s2[j] = a / cycles;
      }
      normalize(st_.s2, false);
    }
  }

  static void normalize(std::vector<double>& s, bool mult) {
    if (s.empty()) return;
    double m = std::accumulate(s.begin(), s.end(), 0.0) / s.size();
    for (double& v : s) {
      if (mult) v = m > 0 ? v / m : 1.0;
      else v -= m;
    }
  }

  // One filter step; returns the one-step error.
  double step(state& s, double v) const {
    double base = s.l + (trend_ == trend_kind::damped ? phi_ * s.b : 0.0);
    double e;
    if (mult_ && m1_) {
      double& si = s.s1[s.t % m1_];
      double b = std::max(base, 1e-9 * scale_);
      double sv = std::max(si, 1e-6);
      e = v - b * sv;
      s.l = base + alpha_ * e / sv;
      if (trend_ == trend_kind::damped) s.b = phi_ * s.b + beta_ * e / sv;
      si = sv + g1_ * e / b;
    } else {
      double yhat = base;
      double* p1 = m1_ ? &s.s1[s.t % m1_] : nullptr;
      double* p2 = m2_ ? &s.s2[s.t % m2_] : nullptr;
      if (p1) yhat += *p1;
      if (p2) yhat += *p2;
      e = v - yhat;
      s.l = base + alpha_ * e;
      if (trend_ == trend_kind::damped) s.b = phi_ * s.b + beta_ * e;
      if (p1) *p1 += g1_ * e;
      if (p2) *p2 += g2_ * e;
    }
    ++s.t;
    return e;
  }

  // Mean squared one-step error over y from the initial state; the state is
  // left at the end of y.
  double run(const std::vector<double>& y) {
    st_ = init_;
    double sse = 0, lim = 1e6 * scale_;
    for (double v : y) {
      double e = step(st_, v);
      sse += e * e;
      if (!(std::fabs(st_.l) < lim) || !(std::fabs(st_.b) < lim)) return inf;
      if (mult_ && st_.l <= 0) return inf;
    }
    return std::isfinite(sse) ? sse / y.size() : inf;
  }

  trend_kind trend_;
  bool mult_;
  int m1_, m2_;
  double alpha_ = 0.2, beta_ = 0, phi_ = 1, g1_ = 0, g2_ = 0, scale_ = 1;
  bool fallback_ = false;
  state st_, init_;
};

// --- Theta ------------------------------------------------------------------

class theta final : public model {
public:
  explicit theta(int m) : m_(m > 1 ? m : 0) {}
  std::string name() const override { return "theta" + (m_ ? std::to_string(m_) : std::string()); }

  void fit(const std::vector<double>& y) override {
    std::size_t n = y.size();
    t_ = static_cast<long>(n);
    si_.clear();
    mult_ = false;
    if (n == 0) {
      level_ = 0, drift_ = 0, alpha_ = 0.5, n_ = 0;
      return;
    }
    std::vector<double> x = y;
    if (m_ && n >= 2 * static_cast<std::size_t>(m_)) {
      mult_ = *std::min_element(y.begin(), y.end()) > 0;
      decompose(y);
      for (std::size_t t = 0; t < n; ++t) x[t] = adjust(y[t], static_cast<long>(t));
    }
    // OLS slope of the adjusted series on time.
    double tm = (n - 1) / 2.0, xm = std::accumulate(x.begin(), x.end(), 0.0) / n, sxy = 0, sxx = 0;
    for (std::size_t t = 0; t < n; ++t) {
      sxy += (t - tm) * (x[t] - xm);
      sxx += (t - tm) * (t - tm);
    }
    drift_ = sxx > 0 ? sxy / sxx : 0.0;
    // SES smoothing constant by golden-section search on the one-step SSE.
    auto sse = [&](double a) {
      double l = x[0], s = 0;
      for (std::size_t t = 1; t < n; ++t) {
        double e = x[t] - l;
        s += e * e;
        l += a * e;
      }
      return s;
    };
    double lo = 0.01, hi = 0.99, g = (std::sqrt(5.0) - 1) / 2;
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo), fc = sse(c), fd = sse(d);
    for (int i = 0; i < 40; ++i) {
      if (fc < fd) hi = d, d = c, fd = fc, c = hi - g * (hi - lo), fc = sse(c);
      else lo = c, c = d, fc = fd, d = lo + g * (hi - lo), fd = sse(d);
    }
    alpha_ = (lo + hi) / 2;
    level_ = x[0];
    for (std::size_t t = 1; t < n; ++t) level_ += alpha_ * (x[t] - level_);
    n_ = static_cast<double>(n);
  }

  void update(double v) override {
    if (!std::isfinite(v)) return;
    double x = adjust(v, t_);
    level_ += alpha_ * (x - level_);
    ++t_;
    n_ += 1;
  }

  void forecast(int h, double* out) const override {
    double tail = std::pow(1 - alpha_, n_) / alpha_;
    for (int i = 0; i < h; ++i) {
      double f = level_ + 0.5 * drift_ * (i + 1.0 / alpha_ - tail);
      long t = t_ + i;
      if (!si_.empty()) f = mult_ ? f * si_[t % m_] : f + si_[t % m_];
      out[i] = std::isfinite(f) ? f : level_;
    }
  }

  std::unique_ptr<model> clone() const override { return std::make_unique<theta>(*this); }

private:
  double adjust(double v, long t) const {
    if (si_.empty()) return v;
    return mult_ ? v / si_[t % m_] : v - si_[t % m_];
  }

  // Classical decomposition: centred moving average of order m (2xm when m
  // is even), seasonal index = mean ratio (or difference) at each phase.
  void decompose(const std::vector<double>& y) {
    std::size_t n = y.size(), m = m_, half = m / 2;
    std::vector<double> pre(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i) pre[i + 1] = pre[i] + y[i];
    std::vector<double> acc(m, 0.0), cnt(m, 0.0);
    for (std::size_t t = half; t + half < n; ++t) {
      double ma;
      if (m % 2 == 0) {
        ma = (pre[t + half] - pre[t - half + 1] + 0.5 * (y[t - half] + y[t + half])) / m;
      } else {
        ma = (pre[t + half + 1] - pre[t - half]) / m;
      }
      if (mult_ && ma <= 0) continue;
      acc[t % m] += mult_ ? y[t] / ma : y[t] - ma;
      cnt[t % m] += 1;
    }
    si_.assign(m, mult_ ? 1.0 : 0.0);
    for (std::size_t j = 0; j < m; ++j)
      if (cnt[j] > 0) si_[j] = acc[j] / cnt[j];
    double mean = std::accumulate(si_.begin(), si_.end(), 0.0) / m;
    for (double& v : si_) {
      v = mult_ ? (mean > 0 ? v / mean : 1.0) : v - mean;
      if (mult_ && v <= 1e-6) v = 1e-6;
    }
  }

  int m_;
  bool mult_ = false;
  std::vector<double> si_;
  double level_ = 0, drift_ = 0, alpha_ = 0.5, n_ = 0;
  long t_ = 0;
};

} // namespace

std::unique_ptr<model> make_seasonal_naive(int period, int cycles) {
  return std::make_unique<seasonal_naive>(period, cycles);
}
std::unique_ptr<model> make_ets(trend_kind trend, bool multiplicative, int m1, int m2) {
  return std::make_unique<ets>(trend, multiplicative, m1, m2);
}
std::unique_ptr<model> make_drift() { return std::make_unique<drift>(); }
std::unique_ptr<model> make_theta(int m) { return std::make_unique<theta>(m); }

std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                                std::vector<double> x0, double step, int max_evals) {
  const std::size_t d = x0.size();
  std::vector<std::vector<double>> p(d + 1, x0);
  std::vector<double> fv(d + 1);
  for (std::size_t i = 0; i < d; ++i) p[i + 1][i] += step;
  int evals = 0;
  auto eval = [&](const std::vector<double>& x) {
    ++evals;
    double v = f(x);
    return std::isfinite(v) ? v : inf;
  };
  for (std::size_t i = 0; i <= d; ++i) fv[i] = eval(p[i]);
  std::vector<std::size_t> idx(d + 1);
  while (evals < max_evals) {
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return fv[a] < fv[b]; });
    std::size_t best = idx[0], worst = idx[d], second = idx[d - 1];
    if (std::isfinite(fv[best]) && std::fabs(fv[worst] - fv[best]) <= 1e-10 * (std::fabs(fv[best]) + 1e-12))
      break;
    std::vector<double> c(d, 0.0);
    for (std::size_t i = 0; i <= d; ++i)
      if (i != worst)
        for (std::size_t k = 0; k < d; ++k) c[k] += p[i][k] / d;
    auto along = [&](double t) {
      std::vector<double> x(d);
      for (std::size_t k = 0; k < d; ++k) x[k] = c[k] + t * (p[worst][k] - c[k]);
      return x;
    };
    auto xr = along(-1.0);
    double fr = eval(xr);
    if (fr < fv[best]) {
      auto xe = along(-2.0);
      double fe = eval(xe);
      if (fe < fr) p[worst] = xe, fv[worst] = fe;
      else p[worst] = xr, fv[worst] = fr;
    } else if (fr < fv[second]) {
      p[worst] = xr, fv[worst] = fr;
    } else {
      auto xc = fr < fv[worst] ? along(-0.5) : along(0.5);
      double fcv = eval(xc);
      if (fcv < std::min(fr, fv[worst])) {
        p[worst] = xc, fv[worst] = fcv;
      } else {
        for (std::size_t i = 0; i <= d; ++i)
          if (i != best) {
            for (std::size_t k = 0; k < d; ++k) p[i][k] = p[best][k] + 0.5 * (p[i][k] - p[best][k]);
            fv[i] = eval(p[i]);
          }
      }
    }
  }
  std::size_t b = 0;
  for (std::size_t i = 1; i <= d; ++i)
    if (fv[i] < fv[b]) b = i;
  return p[b];
}

} // namespace prescient::forecast::detail
