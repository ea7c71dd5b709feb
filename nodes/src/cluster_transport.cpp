#include "cluster_transport.hpp"

#include <fstream>
#include <memory>
#include <sstream>

#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "prescient/actors/cluster_view.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/node/node.hpp"

namespace prescient::node {

namespace {

/// OpenSSL's queued reasons, oldest first, as one line; clears the queue.
std::string openssl_reasons() {
  std::string out;
  while (auto code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!out.empty())
      out += "; ";
    out += reason ? reason : "error " + std::to_string(code);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

/// The passphrase file's first line (a trailing newline is not part of it).
std::string read_passphrase(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

/// Gives OpenSSL the passphrase instead of letting it prompt on a terminal;
/// without one, an encrypted key fails to load.
int passphrase_cb(char* buf, int size, int, void* userdata) {
  auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || pass->empty() || static_cast<int>(pass->size()) >= size)
    return -1;
  pass->copy(buf, pass->size());
  return static_cast<int>(pass->size());
}

struct ctx_deleter {
  void operator()(SSL_CTX* c) const {
    SSL_CTX_free(c);
  }
};

struct store_ctx_deleter {
  void operator()(X509_STORE_CTX* c) const {
    X509_STORE_CTX_free(c);
  }
};

std::string fail(const char* key, const std::string& path, const std::string& why) {
  return "key 'security." + std::string(key) + "': cannot use '" + path + "': " + why;
}

} // namespace

std::optional<std::string> check_tls_files(const security_section& s) {
  if (!s.tls())
    return std::nullopt;
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, ctx_deleter> ctx(SSL_CTX_new(TLS_method()));
  if (!ctx)
    return "cannot create an OpenSSL context: " + openssl_reasons();
  std::string pass;
  if (!s.key_passphrase_file.empty())
    pass = read_passphrase(s.key_passphrase_file);
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_cb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &pass);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), s.certificate.c_str()) != 1)
    return fail("certificate", s.certificate, openssl_reasons());
  // Parsing first, then pairing: OpenSSL 3 refuses a key of another
  // certificate already when it is set, and the two need different advice.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(s.key.c_str(), "r"), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
    bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_cb, &pass) : nullptr,
    EVP_PKEY_free);
  if (!pkey)
    return fail("key", s.key, openssl_reasons()
                                + (pass.empty() ? " (an encrypted key needs key_passphrase_file)"
                                                : ""));
  if (SSL_CTX_use_PrivateKey(ctx.get(), pkey.get()) != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1)
    return fail("key", s.key, "does not match the certificate '" + s.certificate
                                + "': " + openssl_reasons());
  if (SSL_CTX_load_verify_locations(ctx.get(), s.ca.c_str(), nullptr) != 1)
    return fail("ca", s.ca, openssl_reasons());
  // Our own certificate must pass the check every peer will make of it.
  std::unique_ptr<X509_STORE_CTX, store_ctx_deleter> vc(X509_STORE_CTX_new());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  if (!vc || X509_STORE_CTX_init(vc.get(), SSL_CTX_get_cert_store(ctx.get()),
                                 SSL_CTX_get0_certificate(ctx.get()), chain) != 1)
    return "cannot verify the certificate: " + openssl_reasons();
  if (X509_verify_cert(vc.get()) != 1)
    return fail("certificate", s.certificate,
                std::string("not accepted by the CA '") + s.ca + "': "
                  + X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc.get())));
  return std::nullopt;
}

std::optional<std::string> transport_security_problem(const node_config& c) {
  const auto& s = c.security;
  if (s.production && !s.tls())
    return "key 'security.certificate': missing; production mode requires certificate, "
           "key and ca";
  return check_tls_files(s);
}

caf::error configure_transport_security(caf::actor_system_config& cfg,
                                        const node_config& c) {
  if (auto why = transport_security_problem(c))
    return caf::make_error(caf::sec::invalid_argument, *why);
  const auto& s = c.security;
  cfg.load<caf::openssl::manager>();
  if (s.tls()) {
    cfg.openssl_certificate = s.certificate;
    cfg.openssl_key = s.key;
    cfg.openssl_cafile = s.ca;
    if (!s.key_passphrase_file.empty())
      cfg.openssl_passphrase = read_passphrase(s.key_passphrase_file);
  }
  return caf::none;
}

caf::expected<uint16_t> publish_secure(const caf::actor& whom, uint16_t port,
                                       const std::string& host) {
  // SO_REUSEADDR: a restarted node gets its port back at once.
  return caf::openssl::publish(whom, port, host.empty() ? nullptr : host.c_str(), true);
}

caf::expected<caf::actor> connect_secure(caf::actor_system& sys,
                                         const std::string& host, uint16_t port,
                                         std::chrono::milliseconds timeout) {
  // caf::openssl::remote_actor waits without a bound; ask the OpenSSL
  // middleman ourselves so that an unresponsive peer cannot hang a node.
  caf::expected<caf::actor> out{caf::sec::cannot_connect_to_node};
  caf::scoped_actor self{sys};
  self->request(sys.openssl_manager().actor_handle(), timeout,
                caf::connect_atom::value, host, port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        if (ptr)
          out = caf::actor_cast<caf::actor>(std::move(ptr));
        else
          out = caf::make_error(caf::sec::no_actor_published_at_port,
                                "no actor published at " + host + ":"
                                  + std::to_string(port));
      },
      [&](caf::error& err) { out = std::move(err); });
  return out;
}

void configure_cluster_transport(caf::actor_system_config& sys_cfg, const node_config& cfg) {
  if (!cfg.cluster)
    return;
  sys_cfg.load<caf::io::middleman>();
  // BASP heartbeats keep idle links alive and let a silent peer be cut off
  // after connection_timeout: then its actors' down_msg reaches the
  // membership actor even when no TCP reset ever arrives.
  auto span = [](duration d) { return std::chrono::duration_cast<caf::timespan>(d); };
  sys_cfg.set("middleman.heartbeat-interval", span(cfg.cluster->heartbeat_interval));
  sys_cfg.set("middleman.connection-timeout", span(cfg.cluster->connection_timeout));
  add_cluster_message_types(sys_cfg);
  if (auto err = configure_transport_security(sys_cfg, cfg))
    throw node_error(prescient::describe(err));
}

uint16_t publish_cluster_endpoint(caf::actor_system& sys, const caf::actor& endpoint,
                                  const node_config& cfg) {
  auto& at = cfg.cluster->listen;
  auto port = publish_secure(endpoint, at.port, at.host);
  if (!port)
    throw node_error("cannot publish the cluster endpoint on " + at.to_string() + ": "
                     + sys.render(port.error()));
  return *port;
}

} // namespace prescient::node
