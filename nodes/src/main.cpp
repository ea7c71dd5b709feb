// prescientd: runs one Prescient node until SIGTERM or SIGINT.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cluster_transport.hpp"
#include "prescient/node/config.hpp"
#include "prescient/node/node.hpp"

namespace {

// Whole or not at all: a reader polling for the file never sees half.
void write_port_file(const std::string& path, uint16_t port) {
  auto tmp = path + ".tmp";
  std::ofstream(tmp) << port << '\n';
  std::rename(tmp.c_str(), path.c_str());
}

} // namespace

int main(int argc, char** argv) {
  prescient::node::use_single_malloc_arena();
  CLI::App app{"prescientd — a Prescient node"};
  std::string config_path;
  std::string port_file;
  std::string data_dir;
  std::string listen;
  std::string metrics_listen;
  std::string metrics_port_file;
  bool print_config = false;
  app.add_option("--config", config_path, "TOML configuration file")
    ->required()
    ->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir, "overrides node.data_dir");
  app.add_option("--listen", listen, "overrides node.rpc_listen (host:port)");
  app.add_option("--port-file", port_file,
                 "writes the bound RPC port here once serving (for port 0)");
  app.add_option("--metrics-listen", metrics_listen,
                 "overrides node.metrics_listen (host:port; \"\" = off)");
  app.add_option("--metrics-port-file", metrics_port_file,
                 "writes the bound metrics port here once serving (for port 0)");
  app.add_flag("--print-config", print_config,
               "prints the effective configuration and exits");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  prescient::node::node_config cfg;
  try {
    cfg = prescient::node::load_config(config_path);
    if (!data_dir.empty())
      cfg.node.data_dir = data_dir;
    if (!listen.empty()) {
      auto addr = prescient::node::parse_listen_address(listen);
      if (!addr)
        throw prescient::node::config_error("--listen: '" + listen
                                            + "' is not host:port");
      cfg.node.rpc_listen = *addr;
    }
    if (app.count("--metrics-listen") > 0) {
      if (metrics_listen.empty()) {
        cfg.node.metrics_listen.reset();
      } else {
        auto addr = prescient::node::parse_listen_address(metrics_listen);
        if (!addr)
          throw prescient::node::config_error("--metrics-listen: '" + metrics_listen
                                              + "' is not host:port");
        cfg.node.metrics_listen = *addr;
      }
    }
    // Unusable PEM files are a configuration error (exit 2), with OpenSSL's
    // reason. (Production mode without them fails in load_config already.)
    if (auto why = prescient::node::transport_security_problem(cfg))
      throw prescient::node::config_error(config_path + ": " + *why);
    if (!metrics_port_file.empty() && !cfg.node.metrics_listen)
      throw prescient::node::config_error(
        "--metrics-port-file needs node.metrics_listen (or --metrics-listen)");
  } catch (const std::exception& e) {
    std::cerr << "prescientd: " << e.what() << '\n';
    return 2;
  }
  if (print_config) {
    std::cout << prescient::node::describe(cfg);
    return 0;
  }
  try {
    prescient::node::node n(cfg);
    std::cerr << "prescientd: node " << cfg.node.id << " serving on "
              << cfg.node.rpc_listen.host << ':' << n.rpc_port() << ", data in "
              << cfg.node.data_dir << '\n';
    if (n.metrics_port() != 0)
      std::cerr << "prescientd: metrics on http://"
                << cfg.node.metrics_listen->host << ':' << n.metrics_port()
                << "/metrics\n";
    // The metrics port first: a reader that saw the RPC port file may rely
    // on both.
    if (!metrics_port_file.empty())
      write_port_file(metrics_port_file, n.metrics_port());
    if (!port_file.empty())
      write_port_file(port_file, n.rpc_port());
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "prescientd: stopping (" << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
              << ")\n";
    n.stop();
    std::cerr << "prescientd: stopped cleanly\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "prescientd: " << e.what() << '\n';
    return 1;
  }
}
