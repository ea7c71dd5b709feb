#include "cluster_transport.hpp"

#include <cstdio>

#include <caf/io/middleman.hpp>

#include "prescient/actors/cluster_view.hpp"
#include "prescient/node/node.hpp"

namespace prescient::node {

namespace {

caf::timespan to_timespan(duration d) {
  return std::chrono::duration_cast<caf::timespan>(d);
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

} // namespace

void configure_cluster_transport(caf::actor_system_config& sys_cfg, const node_config& cfg) {
  if (!cfg.cluster)
    return;
  sys_cfg.load<caf::io::middleman>();
  // BASP heartbeats keep idle links alive and let a silent peer be cut off
  // after connection_timeout: then its actors' down_msg reaches the
  // membership actor even when no TCP reset ever arrives.
  sys_cfg.set("middleman.heartbeat-interval", to_timespan(cfg.cluster->heartbeat_interval));
  sys_cfg.set("middleman.connection-timeout", to_timespan(cfg.cluster->connection_timeout));
  add_cluster_message_types(sys_cfg);
  configure_transport_security(sys_cfg, cfg);
}

void configure_transport_security(caf::actor_system_config&, const node_config& cfg) {
  if (cfg.cluster && !loopback(cfg.cluster->listen.host))
    fprintf(stderr,
            "prescientd: warning: the cluster endpoint %s is plain TCP, neither "
            "encrypted nor authenticated; keep it on a private network\n",
            cfg.cluster->listen.to_string().c_str());
}

uint16_t publish_cluster_endpoint(caf::actor_system& sys, const caf::actor& endpoint,
                                  const node_config& cfg) {
  auto& at = cfg.cluster->listen;
  // reuse_addr (SO_REUSEADDR): a node restarted at once must bind again
  // while its last life's connections linger in TIME_WAIT.
  auto port = sys.middleman().publish(endpoint, at.port, at.host.c_str(), true);
  if (!port)
    throw node_error("cannot publish the cluster endpoint on " + at.to_string() + ": "
                     + sys.render(port.error()));
  return *port;
}

} // namespace prescient::node
