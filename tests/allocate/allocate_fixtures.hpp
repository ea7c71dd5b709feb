// Helpers shared by the allocate tests: one-app simulations, scripted
// policies, temporary files and running prescient-replay.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "prescient/allocate/simulator.hpp"

namespace prescient::allocate {
/// For Catch's messages.
inline std::ostream& operator<<(std::ostream& o, const window& w) {
  return o << '(' << w.prewarm << ", " << w.keepalive << ')';
}
} // namespace prescient::allocate

namespace prescient::allocate::test {

/// One app of 1024 MB (so wasted GB-min = wasted minutes) invoked in
/// `minutes` (count 1 unless given), over the span [0, last].
inline trace one_app(const std::vector<std::pair<minute_t, std::uint64_t>>& minutes, minute_t last) {
  trace t;
  t.first_minute = 0;
  t.last_minute = last;
  app_trace a;
  a.info.memory_mb = 1024;
  for (auto& [m, n] : minutes) a.minutes.emplace_back(static_cast<std::int32_t>(m), static_cast<std::uint32_t>(n));
  t.apps.push_back(a);
  return t;
}

inline std::vector<std::pair<minute_t, std::uint64_t>> ones(const std::vector<minute_t>& ms) {
  std::vector<std::pair<minute_t, std::uint64_t>> v;
  for (auto m : ms) v.emplace_back(m, 1);
  return v;
}

inline app_result run_one(policy_factory& f, const std::vector<minute_t>& ms, minute_t last) {
  auto t = one_app(ones(ms), last);
  return simulator(t).run(f).at(0);
}

/// The windows a fresh policy answers to `ms`, one per invocation.
inline std::vector<window> windows_of(policy_factory& f, const std::vector<minute_t>& ms, app_info info = {}) {
  auto p = f.make(info);
  std::vector<window> out;
  for (auto m : ms) out.push_back(p->on_invocation(m, 1));
  return out;
}

/// Invocation minutes with the given idle times, starting at minute 0.
inline std::vector<minute_t> from_idle(const std::vector<int>& idle) {
  std::vector<minute_t> ms{0};
  for (int i : idle) ms.push_back(ms.back() + i + 1);
  return ms;
}

/// Answers the given windows in turn (the last one repeated).
class scripted final : public policy {
public:
  explicit scripted(std::vector<window> w) : w_(std::move(w)) {}
  window on_invocation(minute_t, std::uint64_t) override { return w_[std::min(i_++, w_.size() - 1)]; }
private:
  std::vector<window> w_;
  std::size_t i_ = 0;
};

class scripted_factory final : public policy_factory {
public:
  explicit scripted_factory(std::vector<window> w) : w_(std::move(w)) {}
  std::unique_ptr<policy> make(const app_info&) override { return std::make_unique<scripted>(w_); }
private:
  std::vector<window> w_;
};

inline std::string write_tmp(const std::string& name, const std::string& text) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("prescient-allocate-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

struct cli_result {
  int code = -1;
  std::string out, err;
};

/// Runs `prescient-replay ARGS` (arguments are passed through the shell).
inline cli_result run_replay(const std::string& args) {
  const std::string out = write_tmp("cli.out", ""), err = write_tmp("cli.err", "");
  const std::string cmd = std::string(PRESCIENT_BIN_DIR) + "/prescient-replay " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  cli_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream o, e;
  o << std::ifstream(out).rdbuf();
  e << std::ifstream(err).rdbuf();
  r.out = o.str();
  r.err = e.str();
  return r;
}

} // namespace prescient::allocate::test
