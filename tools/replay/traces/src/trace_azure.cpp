// Azure Functions 2019 invocations (see trace_reader.hpp).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>

#include "prescient/traces/trace_reader.hpp"

namespace prescient::traces {

namespace {
bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class azure_reader final : public trace_reader {
public:
  azure_reader(std::string path, read_options o) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(path, ec)) path = (fs::path(path) / "invocations.csv").string();
    std::ifstream in(path);
    if (!in) throw trace_error(path + ": cannot open");
    std::string line;
    if (!std::getline(in, line)) throw trace_error(path + ":1: empty file (no header)");
    std::vector<std::string> f;
    detail::split_csv(line, f);
    int owner = -1, app = -1;
    std::vector<std::pair<int, int>> minutes;  // column, minute number
    for (int i = 0; i < static_cast<int>(f.size()); ++i) {
      std::string h = f[i];
      if (h == "HashOwner") owner = i;
      else if (h == "HashApp") app = i;
      else if (all_digits(h)) minutes.emplace_back(i, std::stoi(h));
      else if (h.rfind("minute_", 0) == 0 && all_digits(h.substr(7))) minutes.emplace_back(i, std::stoi(h.substr(7)));
    }
    if (owner < 0) throw trace_error(path + ":1: missing column 'HashOwner'");
    if (app < 0) throw trace_error(path + ":1: missing column 'HashApp'");
    if (minutes.empty()) throw trace_error(path + ":1: no minute columns (1..1440 or minute_1..)");
    for (auto& [c, m] : minutes)
      if (m < 1 || m > 1440 * 366) throw trace_error(path + ":1: bad minute column '" + f[c] + "'");
    const std::size_t ncols = f.size();
    std::map<std::pair<std::string, std::string>, std::size_t> key;  // (owner, app) → index
    std::vector<std::pair<std::string, std::string>> names;
    std::map<std::pair<int, std::size_t>, std::uint64_t> cells;  // (minute, index) → count
    std::uint64_t lineno = 1;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty() || line == "\r") continue;
      detail::split_csv(line, f);
      std::string why;
      if (f.size() != ncols) why = "expected " + std::to_string(ncols) + " fields, found " + std::to_string(f.size());
      else if (f[owner].empty()) why = "empty HashOwner";
      else if (f[app].empty()) why = "empty HashApp";
      std::vector<std::pair<int, std::uint64_t>> row;
      if (why.empty())
        for (auto& [c, m] : minutes) {
          const auto& v = f[c];
          if (v.empty()) continue;
          double d;
          if (!detail::parse_double(v, d) || d < 0 || d != std::floor(d)) {
            why = "bad count '" + v + "' in minute " + std::to_string(m);
            break;
          }
          if (d > 0) row.emplace_back(m, static_cast<std::uint64_t>(d));
        }
      if (!why.empty()) {
        if (!o.skip_bad) throw trace_error(path + ":" + std::to_string(lineno) + ": " + why);
        ++skipped_;
        continue;
      }
      auto k = std::make_pair(f[owner], f[app]);
      auto it = key.find(k);
      if (it == key.end()) {
        it = key.emplace(k, names.size()).first;
        names.push_back(k);
      }
      for (auto& [m, n] : row) cells[{m, it->second}] += n;
    }
    events_.reserve(cells.size());
    for (auto& [mk, n] : cells) {
      trace_event e;
      e.time_s = (mk.first - 1) * 60.0;
      e.tenant = "azure";
      e.user = names[mk.second].first;
      e.app = names[mk.second].second;
      e.kind = "request";
      e.requests = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, 0xffffffffu));
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

std::unique_ptr<trace_reader> open_azure(const std::string& path, read_options o) {
  return std::make_unique<azure_reader>(path, o);
}

} // namespace prescient::traces
