// Azure Functions 2019 invocations (see trace_reader.hpp and azure.hpp).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <climits>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

#include "prescient/traces/azure.hpp"

namespace prescient::traces {

namespace {
bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class azure_reader final : public trace_reader {
public:
  azure_reader(const std::string& path, read_options o) {
    auto inv = read_azure_invocations(path, o);
    skipped_ = inv.skipped;
    // Events in time order, apps in order of appearance within a minute.
    std::vector<std::tuple<int, std::size_t, std::uint32_t>> cells;
    for (std::size_t i = 0; i < inv.apps.size(); ++i)
      for (auto& [m, n] : inv.apps[i].minutes) cells.emplace_back(m, i, n);
    std::sort(cells.begin(), cells.end());
    events_.reserve(cells.size());
    for (auto& [m, i, n] : cells) {
      trace_event e;
      e.time_s = (m - 1) * 60.0;
      e.tenant = "azure";
      e.user = inv.apps[i].owner;
      e.app = inv.apps[i].app;
      e.kind = "request";
      e.requests = n;
      events_.push_back(std::move(e));
    }
  }

  bool next(trace_event& e) override {
    if (pos_ >= events_.size()) return false;
    e = std::move(events_[pos_++]);
    return true;
  }

private:
  std::vector<trace_event> events_;
  std::size_t pos_ = 0;
};
} // namespace

azure_invocations read_azure_invocations(const std::string& given, read_options o) {
  namespace fs = std::filesystem;
  std::string path = given;
  std::error_code ec;
  if (fs::is_directory(path, ec)) path = (fs::path(path) / "invocations.csv").string();
  std::ifstream in;
  std::vector<std::string> f = detail::open_with_header(in, path);
  std::string line;
  int owner = -1, app = -1, trigger = -1;
  std::vector<std::pair<int, int>> minutes;  // column, minute number
  for (int i = 0; i < static_cast<int>(f.size()); ++i) {
    const std::string& h = f[i];
    if (h == "HashOwner") owner = i;
    else if (h == "HashApp") app = i;
    else if (h == "Trigger") trigger = i;
    else if (all_digits(h) && h.size() < 9) minutes.emplace_back(i, std::stoi(h));
    else if (h.rfind("minute_", 0) == 0 && all_digits(h.substr(7)) && h.size() < 16)
      minutes.emplace_back(i, std::stoi(h.substr(7)));
  }
  if (owner < 0) throw trace_error(path + ":1: missing column 'HashOwner'");
  if (app < 0) throw trace_error(path + ":1: missing column 'HashApp'");
  if (minutes.empty()) throw trace_error(path + ":1: no minute columns (1..1440 or minute_1..)");
  for (auto& [c, m] : minutes)
    if (m < 1 || m > 1440 * 366) throw trace_error(path + ":1: bad minute column '" + f[c] + "'");
  azure_invocations out;
  out.first_minute = std::min_element(minutes.begin(), minutes.end(), [](auto& a, auto& b) { return a.second < b.second; })->second;
  out.last_minute = std::max_element(minutes.begin(), minutes.end(), [](auto& a, auto& b) { return a.second < b.second; })->second;
  const std::size_t ncols = f.size();
  std::map<std::pair<std::string, std::string>, std::size_t> key;  // (owner, app) → index
  std::vector<std::set<std::string>> triggers;
  std::vector<bool> merge;  // the app has several rows (functions) to sum
  std::uint64_t lineno = 1;
  std::vector<std::pair<int, std::uint64_t>> row;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    detail::split_csv(line, f);
    std::string why;
    if (f.size() != ncols) why = "expected " + std::to_string(ncols) + " fields, found " + std::to_string(f.size());
    else if (f[owner].empty()) why = "empty HashOwner";
    else if (f[app].empty()) why = "empty HashApp";
    row.clear();
    if (why.empty())
      for (auto& [c, m] : minutes) {
        const auto& v = f[c];
        if (v.empty()) continue;
        double d;
        if (!detail::parse_double(v, d) || d < 0 || d != std::floor(d) || d > 1e15) {
          why = "bad count '" + v + "' in minute " + std::to_string(m);
          break;
        }
        if (d > 0) row.emplace_back(m, static_cast<std::uint64_t>(d));
      }
    if (!why.empty()) {
      if (!o.skip_bad) throw trace_error(path + ":" + std::to_string(lineno) + ": " + why);
      ++out.skipped;
      continue;
    }
    auto k = std::make_pair(f[owner], f[app]);
    auto it = key.find(k);
    if (it == key.end()) {
      it = key.emplace(k, out.apps.size()).first;
      out.apps.push_back({k.first, k.second, {}, {}});
      triggers.emplace_back();
      merge.push_back(false);
    } else {
      merge[it->second] = true;
    }
    auto& ms = out.apps[it->second].minutes;
    for (auto& [m, n] : row) ms.emplace_back(m, static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX)));
    if (trigger >= 0) triggers[it->second].insert(f[trigger]);
  }
  for (std::size_t i = 0; i < out.apps.size(); ++i) {
    out.apps[i].triggers.assign(triggers[i].begin(), triggers[i].end());
    auto& ms = out.apps[i].minutes;
    if (merge[i] || !std::is_sorted(ms.begin(), ms.end())) {
      // Sum the functions' counts per minute.
      std::sort(ms.begin(), ms.end());
      std::size_t w = 0;
      for (std::size_t r = 0; r < ms.size(); ++r) {
        if (w > 0 && ms[w - 1].first == ms[r].first) {
          const std::uint64_t sum = std::uint64_t{ms[w - 1].second} + ms[r].second;
          ms[w - 1].second = static_cast<std::uint32_t>(std::min<std::uint64_t>(sum, UINT32_MAX));
        } else {
          ms[w++] = ms[r];
        }
      }
      ms.resize(w);
    }
    ms.shrink_to_fit();
  }
  return out;
}

std::unique_ptr<trace_reader> open_azure(const std::string& path, read_options o) {
  return std::make_unique<azure_reader>(path, o);
}

} // namespace prescient::traces
