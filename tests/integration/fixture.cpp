#include "fixture.hpp"

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace prescient::it {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string bin_path(const std::string& program) {
  return std::string(PRESCIENT_BIN_DIR) + "/" + program;
}

node_fixture::node_fixture(const std::string& extra_config,
                           double cpu_capacity_millicores) {
  dir = testkit::make_temp_dir("prescient-it");
  config = testkit::write_config(dir, extra_config, cpu_capacity_millicores);
  node = std::make_unique<testkit::node_process>(
    testkit::node_process::options{bin_path("prescientd"), config, dir + "/data"});
}

node_fixture::~node_fixture() {
  node.reset();
  testkit::remove_tree(dir);
}

client_options node_fixture::client_opts() const {
  client_options o;
  o.address = node->address();
  o.timeout = std::chrono::seconds(10);
  return o;
}

usage_event make_event(const std::string& user, int seq, const std::string& tenant) {
  static const int64_t base = now_us() - 3'600'000'000LL; // an hour ago
  usage_event e;
  e.tenant = tenant;
  e.user = user;
  e.device = user + "-laptop";
  e.app = seq % 3 == 0 ? "ide" : seq % 3 == 1 ? "browser" : "terminal";
  e.kind = seq % 3 == 0 ? event_kind::launch : event_kind::heartbeat;
  e.time_us = base + int64_t(seq) * 1'000'000;
  e.session = 1 + seq / 30;
  e.usage = {500.0 + seq % 7 * 10, 1024, 30, 2.5, 0};
  e.duration_ms = 1000;
  return e;
}

resource_request make_request(const std::string& user, const std::string& app,
                              const std::string& region, double cpu_millicores,
                              double memory_mb, const std::string& tenant) {
  resource_request r;
  r.tenant = tenant;
  r.user = user;
  r.device = user + "-pc";
  r.app = app;
  r.region = region;
  r.time_us = now_us();
  r.resources = {cpu_millicores, memory_mb, 0, 0, 0};
  return r;
}

command_result run_bin(const std::string& program,
                       const std::vector<std::string>& args) {
  char out_path[] = "/tmp/prescient-cmd-out-XXXXXX";
  char err_path[] = "/tmp/prescient-cmd-err-XXXXXX";
  int out_fd = mkstemp(out_path);
  int err_fd = mkstemp(err_path);
  auto path = bin_path(program);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  auto slurp = [](const char* p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    unlink(p);
    return ss.str();
  };
  command_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

} // namespace prescient::it
