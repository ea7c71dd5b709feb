// The transport between the nodes of a cluster: CAF's middleman (BASP over
// TCP), set up in one place so that transport security (mutual TLS through
// caf_openssl) slots in here: the middleman or the openssl manager is
// loaded, and the membership actor published, only by these functions.
#pragma once

#include <cstdint>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "prescient/node/config.hpp"

namespace prescient::node {

/// Cluster mode only (cfg.cluster set): loads the middleman with CAF's own
/// peer-failure detection switched on (heartbeats and a connection timeout:
/// CAF 0.17 leaves both off), registers every message type that crosses
/// nodes, and applies configure_transport_security.
void configure_cluster_transport(caf::actor_system_config& sys_cfg, const node_config& cfg);

/// Authentication and encryption between nodes. Today (no [security]
/// section yet) the transport is plain TCP: it warns once on stderr unless
/// the endpoint listens on loopback only.
void configure_transport_security(caf::actor_system_config& sys_cfg, const node_config& cfg);

/// Publishes the membership actor on cluster.listen. Throws node_error
/// naming the address when it cannot bind.
uint16_t publish_cluster_endpoint(caf::actor_system& sys, const caf::actor& endpoint,
                                  const node_config& cfg);

} // namespace prescient::node
