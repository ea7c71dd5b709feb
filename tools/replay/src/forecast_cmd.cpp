// `prescient-replay forecast`: demand forecasts with prediction intervals for
// one or many series, and (with --holdout) what they are worth beside the
// seasonal naive baseline measured in the same run.
//
//   prescient-replay forecast --format m4 --input Hourly-train.csv
//       --horizon 48 --season 24 --out forecasts.csv [--holdout 48] [--json]
//   prescient-replay forecast --format series --input platform.csv
//       --column concurrency --horizon 60 [--season 1440,10080] --out f.csv
//
// Output CSV: a header `id,kind,v1,...,vH`, then three rows per series with
// kind `point`, `lower95`, `upper95` (with --levels-80 also `lower80`,
// `upper80`). Values are counts clamped at 0 unless --allow-negative.
//
// --season N: the daily period in steps; a weekly period of 7N is considered
// too when a series holds enough weeks (--no-weekly: not). --season N,M sets
// both. Default for --format series: inferred from the timestamp step (a
// day and a week of steps); for --format m4: none unless given.
//
// Exit codes: 0 ok, 2 bad input (flags, missing file, malformed line
// reported as FILE:LINE: reason unless --skip-bad), 1 other failures.
#include "command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "prescient/forecast/forecaster.hpp"
#include "prescient/forecast/io.hpp"
#include "prescient/forecast/metrics.hpp"

namespace prescient::replay {

namespace {

namespace fc = prescient::forecast;

struct options {
  std::string format, input, column, out, season;
  int horizon = 0;
  int holdout = 0;
  bool json = false, skip_bad = false, no_weekly = false, levels80 = false, allow_negative = false;
  int combine = 3;
};

struct scores {
  double smape = 0, mase = 0, coverage = 0, msis = 0;
  std::size_t n = 0;
  void add(double s, double m, double c, double i) {
    smape += s, mase += m, coverage += c, msis += i, ++n;
  }
  nlohmann::json json() const {
    double d = n ? static_cast<double>(n) : 1.0;
    return {{"smape", smape / d}, {"mase", mase / d}, {"coverage95", coverage / d}, {"msis", msis / d}};
  }
};

int bad(const std::string& msg) {
  std::cerr << "prescient-replay forecast: " << msg << '\n';
  return 2;
}

bool parse_seasons(const std::string& s, std::vector<int>& out) {
  out.clear();
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    char* end = nullptr;
    long v = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end || v < 0 || v > 10'000'000) return false;
    out.push_back(static_cast<int>(v));
  }
  return !out.empty() && out.size() <= 2;
}

/// Seasonal naive with intervals from the in-sample seasonal differences:
/// sd * sqrt(ceil(h/m)) * 1.96 (the textbook snaive variance).
void seasonal_naive(const std::vector<double>& y, int m, int H, bool nonneg, std::vector<double>& p,
                    std::vector<double>& lo, std::vector<double>& hi) {
  std::size_t n = y.size();
  if (m < 1 || static_cast<std::size_t>(m) > n) m = 1;
  double ss = 0;
  std::size_t c = 0;
  for (std::size_t t = m; t < n; ++t, ++c) ss += (y[t] - y[t - m]) * (y[t] - y[t - m]);
  double sd = c ? std::sqrt(ss / c) : 0.0;
  p.resize(H), lo.resize(H), hi.resize(H);
  for (int h = 0; h < H; ++h) {
    p[h] = n ? y[n - m + (h % m)] : 0.0;
    double w = 1.959964 * sd * std::sqrt(std::ceil((h + 1.0) / m));
    lo[h] = p[h] - w, hi[h] = p[h] + w;
    if (nonneg) p[h] = std::max(0.0, p[h]), lo[h] = std::max(0.0, lo[h]), hi[h] = std::max(0.0, hi[h]);
  }
}

void write_row(std::ostream& o, const std::string& id, const char* kind, const std::vector<double>& v) {
  // Quote ids that need it.
  if (id.find_first_of(",\"\n") != std::string::npos) {
    std::string q = "\"";
    for (char ch : id) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    o << q << '"';
  } else {
    o << id;
  }
  o << ',' << kind;
  char buf[64];
  for (double x : v) {
    std::snprintf(buf, sizeof buf, "%.6g", x);
    o << ',' << buf;
  }
  o << '\n';
}

int run(const options& opt) {
  if (opt.format != "m4" && opt.format != "series")
    return bad("--format must be m4 or series (got '" + opt.format + "')");
  if (opt.input.empty()) return bad("--input FILE is required");
  if (opt.horizon < 1) return bad("--horizon N (N >= 1) is required");
  if (opt.holdout < 0) return bad("--holdout must be >= 0");
  if (opt.format == "series" && opt.column.empty()) return bad("--column NAME is required with --format series");
  if (opt.combine < 1) return bad("--combine must be >= 1");
  std::vector<int> seasons;
  if (!opt.season.empty() && !parse_seasons(opt.season, seasons))
    return bad("--season must be N or N,M (steps per cycle), got '" + opt.season + "'");
  if (!std::ifstream(opt.input)) return bad("cannot open input file " + opt.input);
  if (opt.holdout == 0 && opt.out.empty()) return bad("--out FILE is required (or --holdout H to evaluate)");

  // Read.
  std::vector<fc::named_series> all;
  fc::read_stats rs;
  try {
    if (opt.format == "m4") {
      all = fc::read_m4_file(opt.input, opt.skip_bad, &rs);
    } else {
      auto ts = fc::read_series_file(opt.input, opt.column, opt.skip_bad, &rs);
      if (opt.season.empty()) seasons = fc::seasons_for_step(ts.step_seconds);
      if (rs.filled) std::cerr << "forecast: filled " << rs.filled << " missing steps/values by interpolation\n";
      if (!ts.values.empty()) all.push_back({opt.column, std::move(ts.values), 2});
    }
  } catch (const fc::input_error& e) {
    std::cerr << e.what() << '\n';
    return 2;
  }
  if (rs.skipped)
    std::cerr << "forecast: skipped " << rs.skipped << " malformed line(s); first: " << rs.first_skip << '\n';
  if (all.empty()) return bad("no series read from " + opt.input);
  if (seasons.size() == 1 && !opt.no_weekly && seasons[0] > 1) seasons.push_back(7 * seasons[0]);
  if (opt.no_weekly && seasons.size() > 1) seasons.resize(1);

  fc::config cfg;
  cfg.seasons = seasons;
  cfg.max_horizon = opt.horizon;
  cfg.nonnegative = !opt.allow_negative;
  cfg.combine = opt.combine;
  cfg.levels = {0.8, 0.95};
  const int m = !seasons.empty() && seasons[0] > 1 ? seasons[0] : 1;

  std::ofstream out;
  if (!opt.out.empty()) {
    out.open(opt.out);
    if (!out) return bad("cannot write " + opt.out);
    out << "id,kind";
    for (int h = 1; h <= opt.horizon; ++h) out << ",v" << h;
    out << '\n';
  }

  scores ours, base;
  std::size_t evaluated = 0, too_short = 0;
  nlohmann::json per_series = nlohmann::json::array();
  auto t0 = std::chrono::steady_clock::now();
  auto last_note = t0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& s = all[i];
    std::vector<double> train = s.values, test;
    if (opt.holdout > 0) {
      if (s.values.size() <= static_cast<std::size_t>(opt.holdout) + 1) {
        ++too_short;
        continue;
      }
      train.assign(s.values.begin(), s.values.end() - opt.holdout);
      test.assign(s.values.end() - opt.holdout, s.values.end());
    }
    fc::forecaster f(cfg);
    f.fit(train);
    auto r = f.forecast(opt.horizon);
    const auto* i95 = r.at(0.95);
    const auto* i80 = r.at(0.8);
    if (out.is_open()) {
      write_row(out, s.id, "point", r.point);
      write_row(out, s.id, "lower95", i95->lower);
      write_row(out, s.id, "upper95", i95->upper);
      if (opt.levels80) {
        write_row(out, s.id, "lower80", i80->lower);
        write_row(out, s.id, "upper80", i80->upper);
      }
    }
    if (opt.holdout > 0) {
      std::size_t H = std::min<std::size_t>(test.size(), opt.horizon);
      std::vector<double> a(test.begin(), test.begin() + H);
      auto cut = [H](const std::vector<double>& v) { return std::vector<double>(v.begin(), v.begin() + H); };
      double scale = fc::mase_scale(train, m);
      double s1 = fc::smape(a, cut(r.point)), m1 = fc::mase(a, cut(r.point), scale),
             c1 = fc::coverage(a, cut(i95->lower), cut(i95->upper)),
             q1 = fc::msis(a, cut(i95->lower), cut(i95->upper), scale);
      ours.add(s1, m1, c1, q1);
      std::vector<double> p, lo, hi;
      seasonal_naive(train, m, static_cast<int>(H), cfg.nonnegative, p, lo, hi);
      double s2 = fc::smape(a, p), m2 = fc::mase(a, p, scale), c2 = fc::coverage(a, lo, hi),
             q2 = fc::msis(a, lo, hi, scale);
      base.add(s2, m2, c2, q2);
      ++evaluated;
      if (opt.json) {
        std::string members;
        for (auto& nm : f.stats().members) members += (members.empty() ? "" : "+") + nm;
        per_series.push_back({{"id", s.id}, {"smape", s1}, {"mase", m1}, {"coverage95", c1}, {"msis", q1},
                              {"snaive_smape", s2}, {"snaive_mase", m2}, {"models", members}});
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (all.size() > 20 && now - last_note > std::chrono::seconds(2)) {
      std::cerr << "forecast: " << i + 1 << "/" << all.size() << " series\n";
      last_note = now;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (out.is_open()) {
    out.close();
    if (!out) return bad("failed writing " + opt.out);
  }
  if (opt.holdout > 0) {
    if (too_short) std::cerr << "forecast: " << too_short << " series too short for --holdout, not evaluated\n";
    if (opt.json) {
      nlohmann::json j{{"series", evaluated},
                       {"horizon", opt.horizon},
                       {"holdout", opt.holdout},
                       {"season", m},
                       {"seconds", secs},
                       {"prescient", ours.json()},
                       {"seasonal_naive", base.json()},
                       {"per_series", per_series}};
      std::cout << j.dump(2) << '\n';
    } else {
      auto row = [](const char* name, const scores& s) {
        double d = s.n ? static_cast<double>(s.n) : 1.0;
        std::cout << std::left << std::setw(16) << name << std::right << std::fixed << std::setprecision(3)
                  << std::setw(9) << s.smape / d << std::setw(9) << s.mase / d << std::setw(12)
                  << 100 * s.coverage / d << std::setw(9) << s.msis / d << '\n';
      };
      std::cout << "series " << evaluated << ", horizon " << std::min(opt.horizon, opt.holdout)
                << ", season " << m << ", " << std::setprecision(2) << std::fixed << secs << " s\n";
      std::cout << std::left << std::setw(16) << "method" << std::right << std::setw(9) << "sMAPE" << std::setw(9)
                << "MASE" << std::setw(12) << "cover95 %" << std::setw(9) << "MSIS" << '\n';
      row("prescient", ours);
      row("seasonal-naive", base);
    }
  } else {
    std::cerr << "forecast: " << all.size() << " series in " << std::setprecision(2) << std::fixed << secs
              << " s -> " << opt.out << '\n';
  }
  return 0;
}

} // namespace

command add_forecast_command(CLI::App& app) {
  auto opt = std::make_shared<options>();
  auto* sub = app.add_subcommand("forecast", "demand forecasts with prediction intervals; --holdout evaluates them");
  sub->add_option("--format", opt->format, "input layout: m4 (id,v1,v2,... rows) or series (timestamp,value CSV)");
  sub->add_option("--input", opt->input, "input CSV");
  sub->add_option("--column", opt->column, "value column (--format series)");
  sub->add_option("--horizon", opt->horizon, "steps to forecast");
  sub->add_option("--season", opt->season, "season in steps: N (daily; weekly 7N considered too) or N,M");
  sub->add_option("--out", opt->out, "output CSV: id,kind,v1..vH; kinds point, lower95, upper95");
  sub->add_option("--holdout", opt->holdout, "evaluate: hold out the last H points of each series");
  sub->add_option("--combine", opt->combine, "number of best-validated models averaged (default 3)");
  sub->add_flag("--json", opt->json, "evaluation report as JSON on stdout");
  sub->add_flag("--skip-bad", opt->skip_bad, "skip malformed lines (counted) instead of stopping");
  sub->add_flag("--no-weekly", opt->no_weekly, "do not consider a weekly (7x daily) cycle");
  sub->add_flag("--levels-80", opt->levels80, "also write lower80/upper80 rows");
  sub->add_flag("--allow-negative", opt->allow_negative, "do not clamp forecasts at 0 (non-count data)");
  return {sub, [opt] { return run(*opt); }};
}

} // namespace prescient::replay
