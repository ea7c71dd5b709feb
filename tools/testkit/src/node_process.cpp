#include "prescient/testkit/node_process.hpp"

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace prescient::testkit {

namespace {

std::string tail(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

// Waits for the child up to `timeout`; true if it was reaped.
bool wait_for(pid_t pid, std::chrono::milliseconds timeout, int& status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD))
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

} // namespace

node_process::node_process(options opts) : opts_(std::move(opts)) {
  port_ = opts_.port;
  port_file_ = opts_.data_dir + "/prescientd.port";
  metrics_port_file_ = opts_.data_dir + "/prescientd.metrics-port";
  log_file_ = opts_.data_dir + "/prescientd.log";
  start();
}

node_process::~node_process() {
  if (running())
    kill();
}

void node_process::start() {
  std::filesystem::create_directories(opts_.data_dir);
  ::unlink(port_file_.c_str());
  ::unlink(metrics_port_file_.c_str());
  auto listen = "127.0.0.1:" + std::to_string(port_);
  std::vector<std::string> args{opts_.binary,  "--config",  opts_.config,
                                "--data-dir",  opts_.data_dir, "--listen",
                                listen,        "--port-file", port_file_};
  if (!opts_.metrics_listen.empty())
    args.insert(args.end(), {"--metrics-listen", opts_.metrics_listen,
                             "--metrics-port-file", metrics_port_file_});
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    execv(opts_.binary.c_str(), argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + opts_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file_);
    unsigned port = 0;
    if (in >> port && port > 0) {
      port_ = static_cast<uint16_t>(port);
      // prescientd writes the metrics port file before the RPC one.
      unsigned mport = 0;
      if (!opts_.metrics_listen.empty() && std::ifstream(metrics_port_file_) >> mport)
        metrics_port_ = static_cast<uint16_t>(mport);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      auto how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                     : "exit status " + std::to_string(WEXITSTATUS(status));
      throw std::runtime_error("prescientd exited during start-up (" + how + "): "
                               + tail(log_file_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
  throw std::runtime_error("prescientd did not start within "
                           + std::to_string(opts_.start_timeout.count())
                           + " s: " + tail(log_file_));
}

int node_process::terminate(std::chrono::seconds timeout) {
  if (!running())
    return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!wait_for(pid_, timeout, status)) {
    kill();
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void node_process::kill() {
  if (!running())
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  wait_for(pid_, std::chrono::seconds(30), status);
  pid_ = -1;
}

void node_process::restart() {
  if (running())
    kill();
  start();
}

std::string node_process::log() const {
  return tail(log_file_, 1 << 20);
}

} // namespace prescient::testkit
