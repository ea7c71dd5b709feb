#pragma once
// Reading a neutral event CSV (time_s,user,device,session,app; device and
// session optional) into per-user, time-ordered events. Shared by the tools.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace prescient::learned::tools {

struct event {
  double time_s;
  std::string device, session, app;
};

struct user_events {
  std::string user;
  std::vector<event> events;
};

inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') { out.push_back(cur); cur.clear(); }
    else if (c != '\r') cur.push_back(c);
  }
  out.push_back(cur);
  return out;
}

inline std::vector<user_events> read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("empty file " + path);
  auto head = split(line);
  auto col = [&](const char* n) -> int {
    for (size_t i = 0; i < head.size(); ++i) if (head[i] == n) return int(i);
    return -1;
  };
  int ct = col("time_s"), cu = col("user"), cd = col("device"), cs = col("session"), ca = col("app");
  if (ct < 0 || cu < 0 || ca < 0) throw std::runtime_error("missing columns time_s,user,app");
  std::vector<user_events> users;
  std::unordered_map<std::string, size_t> index;
  int maxc = std::max({ct, cu, cd, cs, ca});
  while (std::getline(in, line)) {
    auto f = split(line);
    if (int(f.size()) <= maxc || f[ca].empty()) continue;
    char* end = nullptr;
    double t = std::strtod(f[ct].c_str(), &end);
    if (end == f[ct].c_str() || !std::isfinite(t)) continue;
    auto [it, fresh] = index.emplace(f[cu], users.size());
    if (fresh) users.push_back({f[cu], {}});
    users[it->second].events.push_back({t, cd >= 0 ? f[cd] : "", cs >= 0 ? f[cs] : "", f[ca]});
  }
  for (auto& u : users)
    std::stable_sort(u.events.begin(), u.events.end(),
                     [](const event& a, const event& b) { return a.time_s < b.time_s; });
  return users;
}

} // namespace prescient::learned::tools
