// `allocate --report DIR`: one self-contained HTML page with inline SVG (no
// scripts, no external CSS), byte-identical for identical inputs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "allocate_run.hpp"

namespace prescient::replay {

namespace {

const char* const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

std::string num(double v, int decimals = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  return o;
}

/// A plot area of 640×400 with margins; maps data to pixels.
struct frame {
  double x0, x1, y0, y1;
  bool log_x;
  static constexpr double left = 70, top = 20, width = 540, height = 330;
  double px(double x) const {
    double a = log_x ? std::log10(std::max(x, x0)) : x, lo = log_x ? std::log10(x0) : x0, hi = log_x ? std::log10(x1) : x1;
    return left + (hi > lo ? (a - lo) / (hi - lo) : 0.5) * width;
  }
  double py(double y) const { return top + height - (y1 > y0 ? (y - y0) / (y1 - y0) : 0.5) * height; }
};

void axes(std::ostream& o, const frame& f, const std::string& xlabel, const std::string& ylabel) {
  o << "<rect x='" << frame::left << "' y='" << frame::top << "' width='" << frame::width << "' height='"
    << frame::height << "' fill='none' stroke='#888'/>\n";
  for (int i = 0; i <= 4; ++i) {
    double y = f.y0 + (f.y1 - f.y0) * i / 4.0;
    o << "<text x='" << frame::left - 6 << "' y='" << num(f.py(y) + 4) << "' text-anchor='end' font-size='11'>"
      << num(y, f.y1 - f.y0 < 10 ? 2 : 0) << "</text>\n";
  }
  if (f.log_x) {
    for (double d = std::pow(10.0, std::floor(std::log10(f.x0))); d <= f.x1 * 1.0001; d *= 10)
      if (d >= f.x0 * 0.9999)
        o << "<text x='" << num(f.px(d)) << "' y='" << frame::top + frame::height + 15
          << "' text-anchor='middle' font-size='11'>" << num(d, d < 1 ? 2 : 0) << "</text>\n";
  } else {
    for (int i = 0; i <= 4; ++i) {
      double x = f.x0 + (f.x1 - f.x0) * i / 4.0;
      o << "<text x='" << num(f.px(x)) << "' y='" << frame::top + frame::height + 15
        << "' text-anchor='middle' font-size='11'>" << num(x, 0) << "</text>\n";
    }
  }
  o << "<text x='" << frame::left + frame::width / 2 << "' y='" << frame::top + frame::height + 34
    << "' text-anchor='middle' font-size='12'>" << escape(xlabel) << "</text>\n";
  o << "<text x='14' y='" << frame::top + frame::height / 2 << "' transform='rotate(-90 14 "
    << frame::top + frame::height / 2 << ")' text-anchor='middle' font-size='12'>" << escape(ylabel) << "</text>\n";
}

void legend(std::ostream& o, const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i)
    o << "<rect x='" << frame::left + 10 << "' y='" << frame::top + 8 + 16 * i << "' width='10' height='10' fill='"
      << palette[i % 8] << "'/><text x='" << frame::left + 25 << "' y='" << frame::top + 17 + 16 * i
      << "' font-size='11'>" << escape(names[i]) << "</text>\n";
}

void curves_svg(std::ostream& o, const std::vector<policy_result>& results, const std::vector<sweep_curve>& curves) {
  double xmin = 1e300, xmax = 0, ymax = 1;
  auto see = [&](double w, double c) {
    if (w > 0) xmin = std::min(xmin, w), xmax = std::max(xmax, w);
    ymax = std::max(ymax, c);
  };
  for (auto& c : curves)
    for (auto& p : c.points) see(p.wasted_gb_min, static_cast<double>(p.avoidable_cold_starts));
  for (auto& r : results) see(r.s.wasted_gb_min, static_cast<double>(r.s.avoidable_cold_starts));
  if (xmax <= 0) xmin = 0.1, xmax = 1;
  frame f{std::pow(10.0, std::floor(std::log10(xmin))), std::pow(10.0, std::ceil(std::log10(xmax))), 0, ymax * 1.05, true};
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='640' height='400' font-family='sans-serif'>\n";
  axes(o, f, "wasted memory, GB-minutes (log)", "avoidable cold starts");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < curves.size(); ++i) {
    auto pts = curves[i].points;
    std::sort(pts.begin(), pts.end(), [](auto& a, auto& b) { return a.wasted_gb_min < b.wasted_gb_min; });
    // The line joins the efficient points (none both cheaper and colder);
    // a family with two parameters has others, drawn as dots only.
    o << "<polyline fill='none' stroke='" << palette[i % 8] << "' stroke-width='1.5' points='";
    std::uint64_t lowest = UINT64_MAX;
    for (auto& p : pts)
      if (p.avoidable_cold_starts < lowest) {
        lowest = p.avoidable_cold_starts;
        o << num(f.px(p.wasted_gb_min)) << ',' << num(f.py(static_cast<double>(p.avoidable_cold_starts))) << ' ';
      }
    o << "'/>\n";
    for (auto& p : pts)
      o << "<circle cx='" << num(f.px(p.wasted_gb_min)) << "' cy='" << num(f.py(static_cast<double>(p.avoidable_cold_starts)))
        << "' r='2' fill='" << palette[i % 8] << "'><title>" << escape(curves[i].family + " " + p.param) << "</title></circle>\n";
    names.push_back(curves[i].family);
  }
  // The operating points: the policies as run.
  for (auto& r : results) {
    double x = f.px(r.s.wasted_gb_min), y = f.py(static_cast<double>(r.s.avoidable_cold_starts));
    o << "<rect x='" << num(x - 4) << "' y='" << num(y - 4) << "' width='8' height='8' fill='none' stroke='#000'/>"
      << "<text x='" << num(x + 6) << "' y='" << num(y - 6) << "' font-size='11'>" << escape(r.name) << "</text>\n";
  }
  legend(o, names);
  o << "</svg>\n";
}

void cdf_svg(std::ostream& o, const std::vector<policy_result>& results) {
  frame f{0, 100, 0, 1, false};
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='640' height='400' font-family='sans-serif'>\n";
  axes(o, f, "app cold-start share, % of its invocations", "share of apps (CDF)");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& v = results[i].app_shares;
    o << "<polyline fill='none' stroke='" << palette[i % 8] << "' stroke-width='1.5' points='";
    double prev = 0;
    o << num(f.px(0)) << ',' << num(f.py(0)) << ' ';
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (k + 1 < v.size() && v[k + 1] == v[k]) continue;  // one step per distinct share
      const double y = static_cast<double>(k + 1) / static_cast<double>(v.size());
      o << num(f.px(v[k])) << ',' << num(f.py(prev)) << ' ' << num(f.px(v[k])) << ',' << num(f.py(y)) << ' ';
      prev = y;
    }
    o << num(f.px(100)) << ',' << num(f.py(prev)) << "'/>\n";
    names.push_back(results[i].name);
  }
  legend(o, names);
  o << "</svg>\n";
}

} // namespace

bool write_allocate_report(const std::string& dir, const std::vector<policy_result>& results,
                           const std::vector<sweep_curve>& curves, std::uint64_t invocations,
                           std::uint64_t apps, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string path = (fs::path(dir) / "index.html").string();
  std::ofstream o(path);
  if (!o) {
    error = "cannot write " + path;
    return false;
  }
  o << "<!doctype html>\n<html><head><meta charset='utf-8'><title>prescient-replay allocate</title></head>\n"
       "<body style='font-family:sans-serif;max-width:760px'>\n<h1>Keep-alive and pre-warm policies</h1>\n<p>"
    << apps << " apps, " << invocations
    << " invocations; model of Shahrad et al. (USENIX ATC 2020).</p>\n<table border='1' cellpadding='4' "
       "style='border-collapse:collapse;font-size:13px'>\n<tr><th>policy</th><th>cold starts</th><th>avoidable</th>"
       "<th>share %</th><th>app p50 %</th><th>app p75 %</th><th>app p90 %</th><th>wasted GB-min</th><th>vs "
       "keepalive:10m</th></tr>\n";
  for (auto& r : results)
    o << "<tr><td>" << escape(r.name) << "</td><td>" << r.s.cold_starts << "</td><td>" << r.s.avoidable_cold_starts
      << "</td><td>" << num(r.s.cold_start_share, 3) << "</td><td>" << num(r.s.app_cold_start_p50, 1) << "</td><td>"
      << num(r.s.app_cold_start_p75, 1) << "</td><td>" << num(r.s.app_cold_start_p90, 1) << "</td><td>"
      << num(r.s.wasted_gb_min, 1) << "</td><td>" << num(r.wasted_vs_keepalive10, 3) << "</td></tr>\n";
  o << "</table>\n<h2>Avoidable cold starts against wasted memory</h2>\n";
  if (curves.empty()) o << "<p>Run with <code>--sweep</code> for the curves; the squares are the policies as run.</p>\n";
  curves_svg(o, results, curves);
  o << "<h2>Per-app cold-start share (CDF over apps)</h2>\n";
  cdf_svg(o, results);
  o << "</body></html>\n";
  if (!o) {
    error = "failed writing " + path;
    return false;
  }
  return true;
}

} // namespace prescient::replay
