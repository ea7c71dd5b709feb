#include "prescient/traces/trace_reader.hpp"

#include <cerrno>
#include <cstdlib>

namespace prescient::traces::detail {

void split_csv(const std::string& line, std::vector<std::string>& out) {
  // RFC 4180: fields may be quoted; a quoted field may hold commas and "".
  out.clear();
  std::size_t end = line.size();
  if (end > 0 && line[end - 1] == '\r') --end;
  std::string f;
  bool quoted = false, was_quoted = false;
  auto flush = [&] {
    if (!was_quoted) {
      std::size_t a = f.find_first_not_of(" \t"), b = f.find_last_not_of(" \t");
      f = a == std::string::npos ? std::string() : f.substr(a, b - a + 1);
    }
    out.push_back(std::move(f));
    f.clear();
    was_quoted = false;
  };
  for (std::size_t i = 0; i < end; ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < end && line[i + 1] == '"') { f.push_back('"'); ++i; }
        else quoted = false;
      } else {
        f.push_back(c);
      }
    } else if (c == '"' && f.find_first_not_of(" \t") == std::string::npos) {
      f.clear();
      quoted = was_quoted = true;
    } else if (c == ',') {
      flush();
    } else {
      f.push_back(c);
    }
  }
  flush();
}

bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  errno = 0;
  char* e = nullptr;
  v = std::strtod(s.c_str(), &e);
  return errno == 0 && e == s.c_str() + s.size() && std::isfinite(v);
}

std::vector<std::string> open_with_header(std::ifstream& in, const std::string& path) {
  in.open(path);
  if (!in) throw trace_error(path + ": cannot open");
  std::string line;
  if (!std::getline(in, line)) throw trace_error(path + ":1: empty file (no header)");
  std::vector<std::string> f;
  split_csv(line, f);
  return f;
}

} // namespace prescient::traces::detail

namespace prescient::traces {

std::unique_ptr<trace_reader> open_trace(const std::string& format, const std::string& path,
                                         read_options o) {
  if (format == "events") return open_events_csv(path, o);
  if (format == "eventlog") return open_event_log(path, o);
  if (format == "azure") return open_azure(path, o);
  throw trace_error("unknown trace format '" + format + "' (events, eventlog, azure)");
}

} // namespace prescient::traces
