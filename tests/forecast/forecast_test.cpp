// The demand forecaster on synthetic series with known answers, online
// updates and retraining, preview mode, and (when present) real data.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>

#include "prescient/forecast/forecaster.hpp"
#include "prescient/forecast/io.hpp"
#include "prescient/forecast/metrics.hpp"

using namespace prescient::forecast;

namespace {

constexpr double pi = 3.14159265358979323846;

bool all_finite(const forecast_result& r) {
  for (double v : r.point)
    if (!std::isfinite(v)) return false;
  for (auto& i : r.intervals)
    for (std::size_t h = 0; h < i.lower.size(); ++h)
      if (!std::isfinite(i.lower[h]) || !std::isfinite(i.upper[h]) || i.lower[h] > r.point[h] + 1e-9 ||
          i.upper[h] < r.point[h] - 1e-9)
        return false;
  return true;
}

bool nonnegative(const forecast_result& r) {
  for (double v : r.point)
    if (v < 0) return false;
  for (auto& i : r.intervals)
    for (double v : i.lower)
      if (v < 0) return false;
  return true;
}

double seasonal(double t, double level, double amp, int m) { return level + amp * std::sin(2 * pi * t / m); }

config hourly(int horizon = 48) {
  config c;
  c.seasons = {24, 168};
  c.max_horizon = horizon;
  return c;
}

std::string data(const char* rel) { return std::string(PRESCIENT_SOURCE_DIR) + "/../shared/data/" + rel; }
bool exists(const std::string& p) { return std::ifstream(p).good(); }

} // namespace

TEST_CASE("seasonal sine plus noise: accurate point, intervals cover ~95%", "[forecast]") {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 2.0);
  std::size_t inside95 = 0, inside80 = 0, total = 0;
  double abs_err = 0;
  for (int rep = 0; rep < 12; ++rep) {
    std::vector<double> y;
    int n = 24 * 28;
    for (int t = 0; t < n + 48; ++t) y.push_back(seasonal(t, 100, 20, 24) + noise(rng));
    std::vector<double> train(y.begin(), y.begin() + n);
    forecaster f(hourly());
    f.fit(train);
    auto r = f.forecast(48);
    REQUIRE(all_finite(r));
    for (int h = 0; h < 48; ++h) {
      double a = y[n + h];
      inside95 += a >= r.at(0.95)->lower[h] && a <= r.at(0.95)->upper[h];
      inside80 += a >= r.at(0.8)->lower[h] && a <= r.at(0.8)->upper[h];
      abs_err += std::fabs(a - r.point[h]);
      ++total;
    }
  }
  double cov95 = double(inside95) / total, cov80 = double(inside80) / total;
  INFO("coverage95 " << cov95 << " coverage80 " << cov80 << " MAE " << abs_err / total);
  CHECK(cov95 >= 0.90);
  CHECK(cov95 <= 0.995);
  CHECK(cov80 >= 0.70);
  CHECK(cov80 <= 0.93);
  CHECK(abs_err / total < 2.0 * 2.0);  // near the noise level (MAE of N(0,2) is 1.6)
}

TEST_CASE("linear trend is continued", "[forecast]") {
  std::vector<double> y;
  for (int t = 0; t < 300; ++t) y.push_back(10 + 0.5 * t);
  config c;
  c.max_horizon = 24;
  auto r = forecast_once(y, 24, c);
  REQUIRE(all_finite(r));
  for (int h = 1; h <= 24; ++h) CHECK(r.point[h - 1] == Approx(10 + 0.5 * (299 + h)).epsilon(0.03));
}

TEST_CASE("constant and all-zero series", "[forecast]") {
  auto r = forecast_once(std::vector<double>(500, 7.0), 48, hourly());
  REQUIRE(all_finite(r));
  for (int h = 0; h < 48; ++h) {
    CHECK(r.point[h] == Approx(7.0));
    CHECK(r.at(0.95)->upper[h] - r.at(0.95)->lower[h] < 1e-6);
  }
  auto z = forecast_once(std::vector<double>(800, 0.0), 48, hourly());
  REQUIRE(all_finite(z));
  for (int h = 0; h < 48; ++h) {
    CHECK(z.point[h] == 0.0);
    CHECK(z.at(0.95)->lower[h] == 0.0);
    CHECK(z.at(0.95)->upper[h] == 0.0);
  }
}

TEST_CASE("very short, intermittent and non-finite input never crash or give NaN", "[forecast]") {
  for (std::size_t n : {0, 1, 2, 3, 5, 7, 10, 30, 49, 60}) {
    std::vector<double> y;
    for (std::size_t t = 0; t < n; ++t) y.push_back(static_cast<double>((t * 7) % 5));
    auto r = forecast_once(y, 48, hourly());
    INFO("n = " << n);
    REQUIRE(r.point.size() == 48);
    CHECK(all_finite(r));
    CHECK(nonnegative(r));
  }
  std::mt19937 rng(3);
  std::poisson_distribution<int> rare(0.05);
  std::vector<double> y;
  for (int t = 0; t < 24 * 30; ++t) y.push_back(rare(rng));
  y[10] = std::numeric_limits<double>::quiet_NaN();
  y[11] = std::numeric_limits<double>::infinity();
  forecaster f(hourly());
  f.fit(y);
  auto r = f.forecast(200);  // beyond the calibrated horizon: widths extrapolated
  CHECK(all_finite(r));
  CHECK(nonnegative(r));
  // Negative data with clamping off: no clamp, still finite.
  config c = hourly();
  c.nonnegative = false;
  std::vector<double> neg;
  for (int t = 0; t < 24 * 20; ++t) neg.push_back(seasonal(t, -50, 10, 24));
  auto rn = forecast_once(neg, 48, c);
  CHECK(all_finite(rn));
  CHECK(rn.point[0] < -30);
}

TEST_CASE("online updates track a level shift and retrain on growing error", "[forecast]") {
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> y;
  for (int t = 0; t < 24 * 21; ++t) y.push_back(seasonal(t, 100, 10, 24) + noise(rng));
  config c = hourly();
  c.retrain_every = -1;  // only error-triggered refits in this test
  forecaster f(c);
  f.fit(y);
  CHECK(f.stats().retrains == 1);
  CHECK(f.stats().validated_error > 0);
  // In-distribution observations do not trigger a refit.
  int t = 24 * 21;
  for (int i = 0; i < 48; ++i, ++t) f.observe(seasonal(t, 100, 10, 24) + noise(rng));
  CHECK(f.stats().error_retrains == 0);
  // Level shift: demand doubles.
  for (int i = 0; i < 72; ++i, ++t) f.observe(seasonal(t, 200, 10, 24) + noise(rng));
  CHECK(f.stats().error_retrains >= 1);
  CHECK(f.stats().observations == static_cast<std::size_t>(24 * 21 + 120));
  auto r = f.forecast(24);
  double mean = 0;
  for (double v : r.point) mean += v / 24;
  CHECK(mean == Approx(200).epsilon(0.1));
  CHECK(all_finite(r));
}

TEST_CASE("scheduled retrain and error tracking", "[forecast]") {
  std::vector<double> y;
  for (int t = 0; t < 24 * 10; ++t) y.push_back(seasonal(t, 50, 5, 24));
  forecaster f(hourly(24));  // retrain_every = 0: once per primary season
  f.fit(y);
  for (int t = 24 * 10; t < 24 * 12; ++t) f.observe(seasonal(t, 50, 5, 24));
  CHECK(f.stats().retrains == 3);
  CHECK(f.stats().recent_error < 1.0);
  CHECK(f.stats().recent_coverage95 > 0.5);
}

TEST_CASE("preview mode leaves the forecaster unchanged", "[forecast]") {
  std::vector<double> y;
  for (int t = 0; t < 24 * 14; ++t) y.push_back(seasonal(t, 40, 8, 24));
  forecaster f(hourly(24));
  f.fit(y);
  auto before = f.forecast(24);
  auto stats = f.stats();
  auto again = f.forecast(24);
  CHECK(before.point == again.point);
  std::vector<double> spike(6, 400.0);
  auto what_if = f.preview(spike, 24);
  CHECK(what_if.point != before.point);
  auto after = f.forecast(24);
  CHECK(after.point == before.point);
  CHECK(after.at(0.95)->upper == before.at(0.95)->upper);
  CHECK(f.stats().observations == stats.observations);
  CHECK(f.stats().retrains == stats.retrains);
  // Copies are deep: observing on a copy does not touch the original.
  forecaster g = f;
  g.observe(1000);
  CHECK(f.forecast(24).point == before.point);
}

TEST_CASE("seasons from the step", "[forecast]") {
  CHECK(seasons_for_step(60) == std::vector<int>{1440, 10080});
  CHECK(seasons_for_step(3600) == std::vector<int>{24, 168});
  CHECK(seasons_for_step(86400) == std::vector<int>{7});
  CHECK(seasons_for_step(0).empty());
}

TEST_CASE("M4 hourly (first 60 series, when the data is present)", "[forecast][data]") {
  std::string path = data("m4-hourly/Hourly-train.csv");
  if (!exists(path)) {
    WARN("skipped: " << path << " absent");
    return;
  }
  auto all = read_m4_file(path, false);
  REQUIRE(all.size() == 414);
  double s_ours = 0, s_naive = 0, cov = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < all.size(); i += 7, ++n) {
    auto& y = all[i].values;
    std::vector<double> train(y.begin(), y.end() - 48), test(y.end() - 48, y.end());
    auto r = forecast_once(train, 48, hourly());
    REQUIRE(all_finite(r));
    double scale = mase_scale(train, 24);
    s_ours += mase(test, r.point, scale);
    std::vector<double> sn(48);
    for (int h = 0; h < 48; ++h) sn[h] = train[train.size() - 24 + h % 24];
    s_naive += mase(test, sn, scale);
    cov += coverage(test, r.at(0.95)->lower, r.at(0.95)->upper);
  }
  INFO("MASE " << s_ours / n << " vs seasonal naive " << s_naive / n << ", coverage95 " << cov / n);
  CHECK(s_ours < s_naive);
  CHECK(cov / n > 0.85);
}

TEST_CASE("Azure platform per-minute series (when present)", "[forecast][data]") {
  std::string path = data("azure-functions-2019/platform-total-per-minute-days01-10.csv");
  if (!exists(path)) {
    WARN("skipped: " << path << " absent");
    return;
  }
  auto s = read_series_file(path, "concurrency", false);
  REQUIRE(s.step_seconds == 60);
  REQUIRE(s.values.size() == 14400);
  config c;
  c.seasons = seasons_for_step(s.step_seconds);
  c.max_horizon = 60;
  std::vector<double> train(s.values.begin(), s.values.end() - 60), test(s.values.end() - 60, s.values.end());
  auto r = forecast_once(train, 60, c);
  REQUIRE(all_finite(r));
  CHECK(mase(test, r.point, mase_scale(train, 1440)) < 1.0);
}

TEST_CASE("deferred refits: a copy refitted elsewhere and adopted equals refitting in place", "[forecast]") {
  config sync_cfg;
  sync_cfg.seasons = {24};
  config deferred_cfg = sync_cfg;
  deferred_cfg.defer_refits = true;
  forecaster in_place(sync_cfg), deferred(deferred_cfg);
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 1);
  int refits = 0;
  for (int t = 0; t < 24 * 20; ++t) {
    double v = 10 + 5 * std::sin(2 * pi * t / 24) + (t > 300 ? 8 : 0) + noise(rng);
    in_place.observe(v);
    deferred.observe(v);
    if (deferred.refit_due()) {
      forecaster copy = deferred;  // what the broker sends to its refitter
      copy.retrain();
      deferred = std::move(copy);  // adopted before the next observation
      ++refits;
    }
  }
  CHECK(refits == static_cast<int>(in_place.stats().retrains));
  CHECK(deferred.stats().error_retrains == in_place.stats().error_retrains);
  CHECK_FALSE(deferred.refit_due());
  auto a = in_place.forecast(48), b = deferred.forecast(48);
  REQUIRE(a.point.size() == b.point.size());
  for (std::size_t h = 0; h < a.point.size(); ++h) CHECK(a.point[h] == Approx(b.point[h]));
}
