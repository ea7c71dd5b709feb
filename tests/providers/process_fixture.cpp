#include "process_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

namespace prescient::providers::test {

process_config config() {
  process_config cfg;
  cfg.capacity.cpu_millicores = 4000;
  cfg.grace = std::chrono::milliseconds(300);
  return cfg;
}

app_template test_app(std::vector<std::string> args, size_t steps) {
  app_template t;
  t.name = "warm-app";
  t.command = {PROVIDER_TEST_APP};
  t.command.insert(t.command.end(), args.begin(), args.end());
  for (size_t i = 0; i < steps; ++i)
    t.warmup_steps.push_back("load part " + std::to_string(i));
  t.resources.cpu_millicores = 1000;
  t.start_timeout = std::chrono::seconds(10);
  t.step_timeout = std::chrono::seconds(10);
  return t;
}

provider_event wait_event(process_provider& p, const std::string& id) {
  auto until = process_provider::now_us() + 15 * seconds;
  while (process_provider::now_us() < until) {
    for (auto& info : p.list())
      if (info.id == id && info.state == instance_state::ready)
        return {provider_event::kind_t::ready, id, {}};
    for (auto& e : p.poll(0))
      if (e.instance == id)
        return e;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  FAIL("no event for " << id << " within 15 s");
  return {};
}

void wait_reaped(process_provider& p) {
  auto until = process_provider::now_us() + 15 * seconds;
  while (p.dying() > 0 && process_provider::now_us() < until) {
    p.poll(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(p.dying() == 0);
}

bool alive(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat))
    return false;
  auto state = stat.substr(stat.rfind(')') + 2, 1);
  return state != "Z" && state != "X";
}

bool gone(int64_t pid) {
  for (int i = 0; i < 2500 && alive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return !alive(pid);
}

bool no_children() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

size_t open_fds() {
  size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    static_cast<void>(entry);
    ++n;
  }
  return n;
}

std::string fetch(const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(endpoint.substr(colon + 1))));
  ::inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &sa.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, n);
  ::close(fd);
  return out;
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

int64_t grandchild_of(const std::string& hello) {
  auto at = hello.find("grandchild=");
  return at == std::string::npos ? 0 : std::stoll(hello.substr(at + 11));
}

} // namespace prescient::providers::test
