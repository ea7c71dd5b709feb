#include "prescient/forecast/io.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace prescient::forecast {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool is_missing(const std::string& s) {
  return s.empty() || s == "NA" || s == "na" || s == "NaN" || s == "nan" || s == "null";
}

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  const char* b = s.c_str();
  char* end = nullptr;
  errno = 0;
  v = std::strtod(b, &end);
  return end == b + s.size() && errno == 0 && std::isfinite(v);
}

[[noreturn]] void fail(const std::string& name, std::size_t line, const std::string& why) {
  throw input_error(name + ":" + std::to_string(line) + ": " + why);
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

void strip_cr(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

} // namespace

bool split_csv(const std::string& line, std::vector<std::string>& out) {
  out.clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
        else quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == ',') {
      out.push_back(was_quoted ? cur : trim(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  out.push_back(was_quoted ? cur : trim(cur));
  return !quoted;
}

bool parse_timestamp(const std::string& text, double& seconds) {
  std::string s = trim(text);
  if (s.empty()) return false;
  if (parse_number(s, seconds)) return true;
  int Y, M, D, h = 0, mi = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || n != 10) return false;
  if (M < 1 || M > 12 || D < 1 || D > 31) return false;
  double sec = 0;
  std::size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    ++p;
    int k = 0;
    if (std::sscanf(s.c_str() + p, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5) return false;
    p += 5;
    if (p < s.size() && s[p] == ':') {
      ++p;
      std::size_t q = p;
      while (q < s.size() && (std::isdigit(static_cast<unsigned char>(s[q])) || s[q] == '.')) ++q;
      if (!parse_number(s.substr(p, q - p), sec)) return false;
      p = q;
    }
    if (h > 24 || mi > 59 || sec >= 61) return false;
  }
  double offset = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' && p + 1 == s.size()) {
      p = s.size();
    } else if (s[p] == '+' || s[p] == '-') {
      int oh = 0, om = 0;
      std::string z = s.substr(p + 1);
      if (std::sscanf(z.c_str(), "%2d:%2d", &oh, &om) != 2 && std::sscanf(z.c_str(), "%2d%2d", &oh, &om) != 2)
        return false;
      offset = (s[p] == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
    } else {
      return false;
    }
  }
  seconds = days_from_civil(Y, M, D) * 86400.0 + h * 3600.0 + mi * 60.0 + sec - offset;
  return true;
}

std::vector<named_series> read_m4(std::istream& in, const std::string& name, bool skip_bad, read_stats* st) {
  read_stats local;
  read_stats& s = st ? *st : local;
  std::vector<named_series> out;
  std::string line;
  std::vector<std::string> cells;
  std::size_t lineno = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++lineno;
    strip_cr(line);
    if (trim(line).empty()) continue;
    try {
      if (!split_csv(line, cells)) fail(name, lineno, "unbalanced quote");
      if (first) {
        first = false;
        double v;
        if (cells.size() >= 2 && !parse_number(cells[1], v)) continue;  // the header
      }
      ++s.lines;
      named_series ser;
      ser.id = cells[0];
      ser.line = lineno;
      if (ser.id.empty()) fail(name, lineno, "empty series id");
      std::size_t last = cells.size();
      while (last > 1 && is_missing(cells[last - 1])) --last;
      for (std::size_t i = 1; i < last; ++i) {
        double v;
        if (is_missing(cells[i]))
          fail(name, lineno, "missing value in column " + std::to_string(i + 1) + " inside series '" + ser.id + "'");
        if (!parse_number(cells[i], v))
          fail(name, lineno, "bad value '" + cells[i] + "' in column " + std::to_string(i + 1));
        ser.values.push_back(v);
      }
      if (ser.values.empty()) fail(name, lineno, "series '" + ser.id + "' has no values");
      out.push_back(std::move(ser));
    } catch (const input_error& e) {
      if (!skip_bad) throw;
      if (!s.skipped) s.first_skip = e.what();
      ++s.skipped;
    }
  }
  return out;
}

std::vector<named_series> read_m4_file(const std::string& path, bool skip_bad, read_stats* stats) {
  std::ifstream in(path);
  if (!in) throw input_error("cannot open " + path);
  return read_m4(in, path, skip_bad, stats);
}

timed_series read_series(std::istream& in, const std::string& name, const std::string& column, bool skip_bad,
                         read_stats* st) {
  read_stats local;
  read_stats& s = st ? *st : local;
  timed_series out;
  out.column = column;
  std::string line;
  std::vector<std::string> cells;
  std::size_t lineno = 0;
  int vcol = -1, tcol = -1;
  std::size_t ncols = 0;
  while (std::getline(in, line)) {
    ++lineno;
    strip_cr(line);
    if (!trim(line).empty()) break;
  }
  if (in.eof() && trim(line).empty()) throw input_error(name + ": empty file (no header)");
  if (!split_csv(line, cells)) fail(name, lineno, "unbalanced quote in header");
  ncols = cells.size();
  std::string names;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (cells[i] == column) vcol = static_cast<int>(i);
    names += (i ? ", " : "") + cells[i];
  }
  if (vcol < 0) fail(name, lineno, "no column '" + column + "' in the header (columns: " + names + ")");
  for (const char* t : {"timestamp", "time", "time_s", "t", "date", "datetime", "ds"})
    for (std::size_t i = 0; i < cells.size() && tcol < 0; ++i) {
      std::string c = cells[i];
      std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (c == t && static_cast<int>(i) != vcol) tcol = static_cast<int>(i);
    }
  if (tcol < 0 && vcol != 0) tcol = 0;
  if (tcol < 0) fail(name, lineno, "no timestamp column besides '" + column + "'");

  std::vector<double> times, values;
  std::vector<bool> missing;
  while (std::getline(in, line)) {
    ++lineno;
    strip_cr(line);
    if (trim(line).empty()) continue;
    ++s.lines;
    try {
      if (!split_csv(line, cells)) fail(name, lineno, "unbalanced quote");
      if (cells.size() != ncols)
        fail(name, lineno, "expected " + std::to_string(ncols) + " fields, found " + std::to_string(cells.size()));
      double t, v = 0;
      if (!parse_timestamp(cells[tcol], t)) fail(name, lineno, "bad timestamp '" + cells[tcol] + "'");
      if (!times.empty() && t <= times.back())
        fail(name, lineno, "timestamp '" + cells[tcol] + "' is not after the previous one");
      bool miss = is_missing(cells[vcol]);
      if (!miss && !parse_number(cells[vcol], v)) fail(name, lineno, "bad value '" + cells[vcol] + "'");
      times.push_back(t);
      values.push_back(v);
      missing.push_back(miss);
    } catch (const input_error& e) {
      if (!skip_bad) throw;
      if (!s.skipped) s.first_skip = e.what();
      ++s.skipped;
    }
  }
  if (times.empty()) return out;
  out.start = times.front();
  if (times.size() >= 2) {
    std::vector<double> d(times.size() - 1);
    for (std::size_t i = 1; i < times.size(); ++i) d[i - 1] = times[i] - times[i - 1];
    std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
    out.step_seconds = d[d.size() / 2];
  }
  // Regular grid: whole missing steps become missing values.
  std::vector<double> vals;
  std::vector<bool> miss;
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (i && out.step_seconds > 0) {
      double k = std::round((times[i] - times[i - 1]) / out.step_seconds);
      for (double j = 1; j < k && j < 1e7; ++j) vals.push_back(0), miss.push_back(true);
    }
    vals.push_back(values[i]);
    miss.push_back(missing[i]);
  }
  // Linear interpolation of missing values (ends: nearest known value).
  std::size_t nvals = vals.size();
  long prev = -1;
  for (std::size_t i = 0; i <= nvals; ++i) {
    if (i < nvals && miss[i]) continue;
    std::size_t from = prev < 0 ? 0 : static_cast<std::size_t>(prev) + 1;
    for (std::size_t j = from; j < i; ++j) {
      ++s.filled;
      if (prev < 0 && i == nvals) vals[j] = 0;
      else if (prev < 0) vals[j] = vals[i];
      else if (i == nvals) vals[j] = vals[prev];
      else vals[j] = vals[prev] + (vals[i] - vals[prev]) * double(j - prev) / double(i - prev);
    }
    prev = static_cast<long>(i);
  }
  out.values = std::move(vals);
  return out;
}

timed_series read_series_file(const std::string& path, const std::string& column, bool skip_bad, read_stats* stats) {
  std::ifstream in(path);
  if (!in) throw input_error("cannot open " + path);
  return read_series(in, path, column, skip_bad, stats);
}

} // namespace prescient::forecast
