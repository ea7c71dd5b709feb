// Transport between nodes: CAF's middleman (BASP) over caf_openssl.
//
// With [security] certificate, key and ca, every node-to-node connection is
// mutual TLS: CAF 0.17.6 then sets SSL_VERIFY_PEER |
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT on both ends (checked in libcaf_openssl's
// session::create_ssl_context), so the accepting node demands a certificate
// signed by `ca` from the connecting one and vice versa; a peer without a
// certificate, or with one from another CA, fails the handshake. CAF does
// not check host names: any certificate the CA signed is a cluster member,
// so the CA must sign node certificates only. Without the three files CAF
// falls back to an anonymous cipher (encrypted, not authenticated), which
// only development mode allows. Private to the node.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "prescient/node/config.hpp"

namespace prescient::node {

/// Checks the PEM files of `s` the way the TLS handshake will use them: the
/// certificate chain and the CA parse, the key parses (with the passphrase
/// when given) and matches the certificate. Returns one line naming the key
/// and OpenSSL's reason, or nullopt when they are usable (or not set).
std::optional<std::string> check_tls_files(const security_section& s);

/// Why this node must not start with its [security] settings: production
/// mode without certificate, key and ca, or check_tls_files()'s reason.
/// nullopt when they are fine. Nodes check it at start, cluster or not.
std::optional<std::string> transport_security_problem(const node_config& c);

/// Loads the OpenSSL module into `cfg` and hands it the certificate, key,
/// CA and key passphrase of `c.security`; with none of them, CAF's
/// anonymous cipher. Load the middleman first (the OpenSSL module runs on
/// it), and then connect and publish only through connect_secure /
/// publish_secure or the OpenSSL manager's actor_handle(): a plain BASP
/// connection to a TLS port fails. Fails with sec::invalid_argument and
/// transport_security_problem()'s reason. Call before the actor system is
/// created.
caf::error configure_transport_security(caf::actor_system_config& cfg,
                                        const node_config& c);

/// Publishes `whom` for other nodes on `host`:`port` (port 0 = any) over
/// TLS; returns the bound port.
caf::expected<uint16_t> publish_secure(const caf::actor& whom, uint16_t port,
                                       const std::string& host);

/// Connects to the actor another node published on `host`:`port` over TLS.
/// Fails when the handshake fails (e.g. the peer's certificate is not
/// signed by our CA, or it has none while we require one).
/// Gives up after `timeout` (every request across nodes is bounded).
caf::expected<caf::actor>
connect_secure(caf::actor_system& sys, const std::string& host, uint16_t port,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Cluster mode only (cfg.cluster set): loads the middleman with CAF's own
/// peer-failure detection switched on (heartbeats and a connection timeout
/// from [cluster]: CAF 0.17 leaves both off), registers every message type
/// that crosses nodes, then configure_transport_security. Throws
/// node_error with the security problem.
void configure_cluster_transport(caf::actor_system_config& sys_cfg, const node_config& cfg);

/// Publishes the membership actor on cluster.listen (publish_secure).
/// Throws node_error naming the address when it cannot bind.
uint16_t publish_cluster_endpoint(caf::actor_system& sys, const caf::actor& endpoint,
                                  const node_config& cfg);

} // namespace prescient::node
