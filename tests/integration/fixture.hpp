// Shared pieces of the integration tests: a real prescientd in a fresh
// directory on a free loopback port, events that the node accepts, and
// running the CLI as a subprocess.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "prescient/client.hpp"
#include "prescient/testkit/node_process.hpp"

namespace prescient::it {

int64_t now_us();

/// A node in its own temporary directory; removed with the fixture.
struct node_fixture {
  explicit node_fixture(const std::string& extra_config = "",
                        double cpu_capacity_millicores = 2'000'000);
  ~node_fixture();

  client_options client_opts() const;

  std::string dir;
  std::string config;
  std::unique_ptr<testkit::node_process> node;
};

/// A valid event `seq` of a user, a second apart, ending about now.
usage_event make_event(const std::string& user, int seq,
                       const std::string& tenant = "demo");

/// A request of `user` (device "<user>-pc") for `app` now, with the given
/// cpu and memory.
resource_request make_request(const std::string& user, const std::string& app,
                              const std::string& region, double cpu_millicores,
                              double memory_mb, const std::string& tenant = "demo");

struct command_result {
  int exit_code = -1;
  std::string out; ///< stdout
  std::string err; ///< stderr
};

/// Runs a program from the build's bin directory with arguments.
command_result run_bin(const std::string& program, const std::vector<std::string>& args);

std::string bin_path(const std::string& program);

} // namespace prescient::it
