#include "child_process.hpp"

#include "instance_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace prescient::providers {

namespace {

// Lines of non-protocol output kept for error messages.
constexpr size_t tail_lines = 5;
// A line longer than this is cut: a child cannot make us buffer without end.
constexpr size_t max_line = 4096;

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

} // namespace

provider_error spawn_child(const std::vector<std::string>& argv_in,
                           const std::vector<std::string>& env_in,
                           child_process& out) {
  if (argv_in.empty() || argv_in[0].empty())
    return {provider_errc::bad_template, "empty command line"};
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return {provider_errc::spawn_failed,
            std::string("socketpair: ") + std::strerror(errno)};
  std::vector<std::string> argv_s = argv_in;
  std::vector<std::string> env_s;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env_in.begin(), env_in.end());
  auto argv = pointers(argv_s);
  auto envp = pointers(env_s);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // dup2 clears close-on-exec on 0..2; both socket ends close on exec.
  posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (pgid = pid): release signals the whole group. Reset
  // the signal mask and dispositions: a broker may block or ignore some.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                    | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    return {provider_errc::spawn_failed,
            "cannot start '" + argv_in[0] + "': " + std::strerror(rc)};
  }
  ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  out = child_process{};
  out.pid = pid;
  out.fd = sv[0];
  return {};
}

std::vector<std::string> read_lines(child_process& c, bool& eof) {
  std::vector<std::string> lines;
  eof = c.fd < 0;
  char buf[4096];
  while (c.fd >= 0) {
    auto n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      eof = true;
      break;
    }
    if (n < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        if (!c.partial.empty() && c.partial.back() == '\r')
          c.partial.pop_back();
        lines.push_back(std::move(c.partial));
        c.partial.clear();
      } else if (c.partial.size() < max_line) {
        c.partial += buf[i];
      }
    }
  }
  return lines;
}

void remember(child_process& c, std::string line) {
  c.tail.push_back(std::move(line));
  if (c.tail.size() > tail_lines)
    c.tail.pop_front();
}

bool send_line(child_process& c, const std::string& line) {
  if (c.fd < 0)
    return false;
  auto msg = line + '\n';
  // Steps are short and the socket buffer holds far more than one: a partial
  // write means the child is not reading, which the step timeout catches.
  auto n = ::send(c.fd, msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n == static_cast<ssize_t>(msg.size());
}

void close_channel(child_process& c) {
  if (c.fd >= 0) {
    ::close(c.fd);
    c.fd = -1;
  }
}

void signal_group(const child_process& c, int sig) {
  if (c.pid > 0 && !c.reaped)
    ::kill(-c.pid, sig);
}

bool try_reap(child_process& c) {
  if (c.reaped)
    return true;
  if (c.adopted) {
    // Its parent (init, or a subreaper) reaps it; we can only see it go.
    if (process_start_ticks(c.pid) == c.start_ticks)
      return false;
    ::kill(-c.pid, SIGKILL); // whatever is left of its group
    c.reaped = true;
    return true;
  }
  // WNOWAIT leaves the child a zombie, so its pid (= the group id) cannot
  // be reused while we kill what is left of its group; then reap.
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  if (::waitid(P_PID, c.pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    // ECHILD: someone else reaped it (or SIGCHLD is ignored): it is gone.
    if (errno != ECHILD)
      return false;
    c.reaped = true;
    close_channel(c);
    return true;
  }
  if (info.si_pid != c.pid)
    return false;
  ::kill(-c.pid, SIGKILL);
  while (::waitpid(c.pid, &c.status, 0) < 0 && errno == EINTR) {
    // retry
  }
  c.reaped = true;
  close_channel(c);
  return true;
}

void kill_and_reap(child_process& c) {
  if (c.reaped)
    return;
  signal_group(c, SIGKILL);
  if (c.adopted) {
    c.reaped = true; // SIGKILL cannot be refused; its parent reaps it
    return;
  }
  while (::waitpid(c.pid, &c.status, 0) < 0 && errno == EINTR) {
    // retry
  }
  c.reaped = true;
  close_channel(c);
}

std::string describe_exit(int status) {
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended (status " + std::to_string(status) + ")";
}

std::string describe_end(const child_process& c) {
  std::string out = c.adopted  ? "ended (adopted after a restart: status unknown)"
                    : c.reaped ? describe_exit(c.status)
                               : "closed its output";
  if (!c.tail.empty()) {
    out += "; last output:";
    for (auto& line : c.tail)
      out += " | " + line;
  }
  return out;
}

} // namespace prescient::providers
