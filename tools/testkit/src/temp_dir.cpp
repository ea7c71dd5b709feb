#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "prescient/testkit/node_process.hpp"

namespace prescient::testkit {

std::string make_temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix
                        + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("cannot create a temporary directory " + pattern);
  return buf.data();
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string write_config(const std::string& dir, const std::string& extra,
                         double cpu_capacity_millicores, const std::string& topology) {
  auto path = dir + "/node.toml";
  std::ofstream out(path);
  auto cpu = std::to_string(static_cast<long long>(cpu_capacity_millicores));
  out << "[node]\nid = \"test-node\"\nrpc_listen = \"127.0.0.1:0\"\nshards = 8\n"
         "data_dir = \""
      << dir << "/data\"\n\n";
  if (!topology.empty())
    out << topology << '\n';
  else
    out << "[[regions]]\nname = \"eu-west\"\n\n[[regions]]\nname = \"us-east\"\n\n"
        << "[[data_centers]]\nname = \"eu-west-1\"\nregion = \"eu-west\"\n"
           "capacity = { cpu_millicores = "
        << cpu
        << ", memory_mb = 4000000, disk_iops = 1000000, network_mbps = 100000, gpus = 16 }\n"
           "latency_ms = { eu-west = 2, us-east = 80 }\nprice_on_demand = 0.05\n"
           "price_spot = 0.015\n\n"
           "[[data_centers]]\nname = \"eu-west-2\"\nregion = \"eu-west\"\n"
           "capacity = { cpu_millicores = "
        << cpu
        << ", memory_mb = 4000000, disk_iops = 1000000, network_mbps = 100000, gpus = 16 }\n"
           "latency_ms = { eu-west = 4, us-east = 85 }\nprice_on_demand = 0.04\n"
           "price_spot = 0.012\n\n"
           "[[data_centers]]\nname = \"us-east-1\"\nregion = \"us-east\"\n"
           "capacity = { cpu_millicores = "
        << cpu
        << ", memory_mb = 4000000, disk_iops = 1000000, network_mbps = 100000, gpus = 16 }\n"
           "latency_ms = { eu-west = 80, us-east = 2 }\nprice_on_demand = 0.045\n"
           "price_spot = 0.014\n\n";
  out << "[[tenants]]\nid = \"demo\"\n\n"
         "[[tenants]]\nid = \"acme\"\nallowed_regions = [\"eu-west\"]\n\n"
      << extra << '\n';
  if (!out)
    throw std::runtime_error("cannot write " + path);
  return path;
}

} // namespace prescient::testkit
