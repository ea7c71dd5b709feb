#include "instance_files.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace prescient::providers {

namespace {

constexpr const char* suffix = ".instance";

/// Instance ids are the broker's: keep file names safe whatever they hold.
std::string file_name(const std::string& dir, const std::string& id) {
  std::string out = dir + "/";
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out + suffix;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size()
         && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

uint64_t process_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (pid <= 0 || !std::getline(in, stat))
    return 0;
  // Fields after the command name (which may hold spaces) in parentheses:
  // 3 state ... 22 starttime.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  uint64_t ticks = 0;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 3 && (field == "Z" || field == "X"))
      return 0;
    if (i == 22)
      ticks = std::stoull(field);
  }
  return ticks;
}

bool write_instance_file(const std::string& dir, const instance_file& f) {
  auto path = file_name(dir, f.id);
  auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    const auto& r = f.resources;
    out << f.id << '\n' << f.app << '\n' << f.endpoint << '\n' << f.pid << ' '
        << f.start_ticks << '\n' << r.cpu_millicores << ' ' << r.memory_mb
        << ' ' << r.disk_iops << ' ' << r.network_mbps << ' ' << r.gpus
        << '\n';
    if (!out.flush())
      return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

void remove_instance_file(const std::string& dir, const std::string& id) {
  std::remove(file_name(dir, id).c_str());
}

std::vector<instance_file> read_instance_files(const std::string& dir) {
  ::mkdir(dir.c_str(), 0700);
  std::vector<instance_file> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr)
    return out;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (!ends_with(name, suffix))
      continue;
    auto path = dir + "/" + name;
    std::ifstream in(path);
    instance_file f;
    auto& r = f.resources;
    bool ok = std::getline(in, f.id) && std::getline(in, f.app)
              && std::getline(in, f.endpoint)
              && (in >> f.pid >> f.start_ticks >> r.cpu_millicores
                  >> r.memory_mb >> r.disk_iops >> r.network_mbps >> r.gpus);
    if (ok && file_name(dir, f.id) == path)
      out.push_back(std::move(f));
    else
      std::remove(path.c_str());
  }
  ::closedir(d);
  return out;
}

} // namespace prescient::providers
