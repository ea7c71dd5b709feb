#include "data_center_provider.hpp"

#include <filesystem>

#include "prescient/node/node.hpp"
#include "prescient/providers/process_provider.hpp"
#include "prescient/providers/simulated_provider.hpp"

namespace prescient::node {

namespace {

std::chrono::milliseconds ms(duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

} // namespace

broker_provider make_provider(const node_config& cfg, const data_center_config& dc) {
  broker_provider out;
  for (auto& app : cfg.apps)
    out.apps.emplace(app.name, app);
  if (dc.provider != "process") {
    providers::simulated_config sim;
    sim.data_center = dc.name;
    sim.capacity = dc.capacity;
    sim.cold_start = dc.cold_start;
    sim.warmup_step = dc.warmup_step;
    sim.warm_start = dc.warm_start;
    sim.failure_rate = dc.failure_rate;
    sim.seed = dc.seed;
    out.instances = std::make_unique<providers::simulated_provider>(sim);
    return out;
  }
  namespace fs = std::filesystem;
  providers::process_config pc;
  pc.capacity = dc.capacity;
  pc.grace = ms(dc.process.grace);
  pc.poll_interval = ms(dc.process.poll_interval);
  pc.environment = dc.process.environment;
  fs::path dir = dc.process.state_dir.empty() ? fs::path("providers") / dc.name
                                              : fs::path(dc.process.state_dir);
  if (dir.is_relative())
    dir = fs::path(cfg.node.data_dir) / dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw node_error("data center " + dc.name + ": cannot create the state directory '"
                     + dir.string() + "': " + ec.message());
  pc.state_dir = dir.string();
  out.instances = std::make_unique<providers::process_provider>(pc);
  out.clock = &providers::process_provider::now_us;
  out.reconcile = true; // its children outlive a crash of the node
  return out;
}

} // namespace prescient::node
