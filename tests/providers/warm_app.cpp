// The test app of the process provider: speaks the line protocol of
// app_template.hpp. It listens on a loopback port, prints `READY
// 127.0.0.1:PORT`, answers each warm-up step line with `OK` and each
// connection with one line `hello steps=N instance=ID grandchild=PID`, and
// exits when its stdin ends.
//
// Options make it misbehave for the tests:
//   --exit-before-ready N  print a line and exit with status N
//   --never-ready          never print READY
//   --ignore-term          ignore SIGTERM and the end of stdin
//   --fail-step STEP       answer `FAIL no` to the step STEP
//   --delay-ms N           sleep N ms before READY
//   --grandchild           fork a child that sleeps (in the same group)
//   --port N               listen on port N instead of any free one
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

void say(const std::string& line) {
  auto msg = line + "\n";
  auto ignored = ::write(1, msg.data(), msg.size());
  static_cast<void>(ignored);
}

int listen_loopback(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0
      || ::listen(fd, 16) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    std::exit(70);
  port = ntohs(sa.sin_port);
  return fd;
}

} // namespace

int main(int argc, char** argv) {
  bool never_ready = false;
  bool ignore_term = false;
  std::string fail_step;
  pid_t grandchild = 0;
  uint16_t port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : ""; };
    if (a == "--exit-before-ready") {
      say("giving up before READY");
      return std::atoi(next().c_str());
    } else if (a == "--never-ready") {
      never_ready = true;
    } else if (a == "--ignore-term") {
      ignore_term = true;
      ::signal(SIGTERM, SIG_IGN);
    } else if (a == "--fail-step") {
      fail_step = next();
    } else if (a == "--delay-ms") {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(next().c_str())));
    } else if (a == "--port") {
      port = static_cast<uint16_t>(std::atoi(next().c_str()));
    } else if (a == "--grandchild") {
      grandchild = ::fork();
      if (grandchild == 0) {
        for (;;)
          ::pause();
      }
    }
  }
  int lfd = listen_loopback(port);
  if (!never_ready)
    say("READY 127.0.0.1:" + std::to_string(port));
  const char* instance = std::getenv("PRESCIENT_INSTANCE");
  int steps = 0;
  std::string partial;
  bool stdin_open = true;
  for (;;) {
    // Once stdin has ended (only with --ignore-term) watch the port alone.
    pollfd fds[2] = {{lfd, POLLIN, 0}, {0, POLLIN, 0}};
    if (::poll(fds, stdin_open ? 2 : 1, -1) < 0)
      continue;
    if (stdin_open && fds[1].revents != 0) {
      char buf[512];
      auto n = ::read(0, buf, sizeof buf);
      if (n <= 0) {
        if (!ignore_term)
          return 0;
        stdin_open = false;
      }
      for (ssize_t k = 0; k < n; ++k) {
        if (buf[k] != '\n') {
          partial += buf[k];
          continue;
        }
        if (!fail_step.empty() && partial == fail_step) {
          say("FAIL no");
        } else {
          ++steps;
          say("OK");
        }
        partial.clear();
      }
    }
    if (fds[0].revents != 0) {
      int cfd = ::accept(lfd, nullptr, nullptr);
      if (cfd >= 0) {
        auto hello = "hello steps=" + std::to_string(steps)
                     + " instance=" + (instance ? instance : "?")
                     + " grandchild=" + std::to_string(grandchild) + "\n";
        auto ignored = ::write(cfd, hello.data(), hello.size());
        static_cast<void>(ignored);
        ::close(cfd);
      }
    }
  }
}
