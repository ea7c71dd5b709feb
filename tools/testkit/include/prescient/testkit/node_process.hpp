// A prescientd child process for tests and benchmarks. It listens on a free
// loopback port (asked as port 0, read back from --port-file), keeps its
// data in its own directory, and is always stopped: SIGKILL in the
// destructor if nothing stopped it before.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace prescient::testkit {

/// A fresh, empty directory under $TMPDIR (or /tmp) named prefix-XXXXXX.
std::string make_temp_dir(const std::string& prefix);

/// Removes a directory tree; errors are ignored (best effort cleanup).
void remove_tree(const std::string& path);

/// Writes a complete node configuration into `dir`/node.toml and returns
/// its path: two regions (eu-west, us-east), three data centers, tenants
/// "demo" and "acme". `extra` is appended verbatim (e.g. "[profiles]\n...").
/// A non-empty `topology` ([[regions]] and [[data_centers]] tables)
/// replaces those regions and data centers (the tenants stay; "acme" needs
/// a region "eu-west").
std::string write_config(const std::string& dir, const std::string& extra = "",
                         double cpu_capacity_millicores = 2'000'000,
                         const std::string& topology = "");

class node_process {
public:
  struct options {
    std::string binary;   ///< path of prescientd
    std::string config;   ///< TOML file
    std::string data_dir; ///< node data (kept across restarts)
    uint16_t port = 0;    ///< 0 = any free port
    /// When set, serves /metrics there (passed as --metrics-listen; port 0
    /// = any, read back from --metrics-port-file).
    std::string metrics_listen = "";
    std::chrono::seconds start_timeout{30};
  };

  /// Starts the node and waits until it serves. Throws std::runtime_error
  /// with the node's last stderr lines if it exits or does not come up.
  explicit node_process(options opts);
  ~node_process();

  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  uint16_t port() const noexcept {
    return port_;
  }
  /// The bound /metrics port; 0 when options::metrics_listen was empty.
  uint16_t metrics_port() const noexcept {
    return metrics_port_;
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(port_);
  }
  pid_t pid() const noexcept {
    return pid_;
  }
  bool running() const noexcept {
    return pid_ > 0;
  }

  /// SIGTERM, then waits up to `timeout` (SIGKILL after). Returns the exit
  /// status (-1 if it had to be killed).
  int terminate(std::chrono::seconds timeout = std::chrono::seconds(60));

  /// SIGKILL and reap: the crash case.
  void kill();

  /// Starts again with the same data directory and the same port.
  void restart();

  /// What the node wrote to stderr so far.
  std::string log() const;

private:
  void start();
  options opts_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t metrics_port_ = 0;
  std::string port_file_;
  std::string metrics_port_file_;
  std::string log_file_;
};

} // namespace prescient::testkit
