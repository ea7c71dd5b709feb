// The neutral event CSV and Prescient's event log (see trace_reader.hpp).
#include <fstream>
#include <map>

#include "prescient/traces/trace_reader.hpp"

namespace prescient::traces {

namespace {
const char* const required[] = {"time_s", "user", "device", "session", "app"};
const char* const optional[] = {"tenant", "kind", "cpu_millicores", "memory_mb", "disk_iops",
                                "network_mbps", "gpus", "duration_ms"};

class csv_reader final : public trace_reader {
public:
  csv_reader(const std::string& path, read_options o, bool full_log) : path_(path), opt_(o) {
    in_.open(path);
    if (!in_) throw trace_error(path + ": cannot open");
    std::string line;
    if (!std::getline(in_, line)) throw trace_error(path + ":1: empty file (no header)");
    line_ = 1;
    detail::split_csv(line, f_);
    if (!f_.empty() && f_[0].size() >= 3 && f_[0].compare(0, 3, "\xEF\xBB\xBF") == 0) f_[0].erase(0, 3);
    for (std::size_t i = 0; i < f_.size(); ++i) {
      if (col_.count(f_[i])) throw trace_error(path + ":1: duplicate column '" + f_[i] + "'");
      col_[f_[i]] = static_cast<int>(i);
    }
    ncols_ = f_.size();
    for (auto* r : required)
      if (!col_.count(r)) throw trace_error(path + ":1: missing column '" + std::string(r) + "'");
    if (full_log)
      for (auto* r : optional)
        if (!col_.count(r)) throw trace_error(path + ":1: event log lacks column '" + std::string(r) + "'");
  }

  bool next(trace_event& e) override {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_;
      if (line.empty() || line == "\r") continue;
      std::string why = parse(line, e);
      if (why.empty()) return true;
      if (!opt_.skip_bad) throw trace_error(path_ + ":" + std::to_string(line_) + ": " + why);
      ++skipped_;
    }
    return false;
  }

private:
  int at(const char* name) const {
    auto it = col_.find(name);
    return it == col_.end() ? -1 : it->second;
  }
  std::string parse(const std::string& line, trace_event& e) {
    detail::split_csv(line, f_);
    if (f_.size() != ncols_)
      return "expected " + std::to_string(ncols_) + " fields, found " + std::to_string(f_.size());
    e = trace_event{};
    double t;
    if (!detail::parse_double(f_[at("time_s")], t) || t < 0) return "bad time_s '" + f_[at("time_s")] + "'";
    e.time_s = t;
    e.user = f_[at("user")];
    if (e.user.empty()) return "empty user";
    e.app = f_[at("app")];
    if (e.app.empty()) return "empty app";
    e.device = f_[at("device")];
    e.session = f_[at("session")];
    if (int i = at("tenant"); i >= 0) e.tenant = f_[i];
    if (int i = at("kind"); i >= 0) {
      e.kind = f_[i];
      if (!e.kind.empty() && e.kind != "launch" && e.kind != "close" && e.kind != "request")
        return "bad kind '" + e.kind + "' (launch, close, request)";
    }
    struct { const char* name; float* dst; } nums[] = {
      {"cpu_millicores", &e.cpu_millicores}, {"memory_mb", &e.memory_mb}, {"disk_iops", &e.disk_iops},
      {"network_mbps", &e.network_mbps}, {"gpus", &e.gpus}, {"duration_ms", &e.duration_ms}};
    for (auto& n : nums) {
      int i = at(n.name);
      if (i < 0 || f_[i].empty()) continue;
      double v;
      if (!detail::parse_double(f_[i], v) || v < 0) return std::string("bad ") + n.name + " '" + f_[i] + "'";
      *n.dst = static_cast<float>(v);
    }
    return {};
  }

  std::string path_;
  read_options opt_;
  std::ifstream in_;
  std::map<std::string, int> col_;
  std::size_t ncols_ = 0;
  std::vector<std::string> f_;
  std::uint64_t line_ = 0;
};
} // namespace

std::unique_ptr<trace_reader> open_events_csv(const std::string& path, read_options o) {
  return std::make_unique<csv_reader>(path, o, false);
}

std::unique_ptr<trace_reader> open_event_log(const std::string& path, read_options o) {
  return std::make_unique<csv_reader>(path, o, true);
}

} // namespace prescient::traces
