#include "prescient/testkit/cluster_config.hpp"

#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include "prescient/testkit/node_process.hpp"

namespace prescient::testkit {

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("free_port: no socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("free_port: cannot bind 127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string write_cluster_config(const std::string& dir, const cluster_node_spec& spec) {
  std::ostringstream cluster;
  cluster << "[cluster]\nlisten = \"127.0.0.1:" << spec.cluster_port << "\"\nseeds = [";
  for (size_t i = 0; i < spec.seeds.size(); ++i)
    cluster << (i ? ", " : "") << "\"127.0.0.1:" << spec.seeds[i] << '"';
  cluster << "]\nexpected_nodes = " << spec.expected_nodes << '\n';
  if (!spec.region.empty())
    cluster << "region = \"" << spec.region << "\"\n";
  cluster << spec.cluster_extra << '\n' << spec.extra;
  auto path = write_config(dir, cluster.str(), 2'000'000, spec.topology);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto body = text.str();
  const std::string from = "id = \"test-node\"";
  auto at = body.find(from);
  if (at == std::string::npos)
    throw std::runtime_error("write_cluster_config: write_config has no node id");
  body.replace(at, from.size(), "id = \"" + spec.id + "\"\n" + spec.node_extra);
  std::ofstream(path, std::ios::trunc) << body;
  return path;
}

} // namespace prescient::testkit
