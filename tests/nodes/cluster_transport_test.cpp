// Node-to-node TLS through caf_openssl with two actor systems in one
// process: certificates from a CA made at test time with `openssl`; a peer
// with a certificate of the right CA exchanges a message, one without a
// certificate or with one of another CA is refused, in both directions.
#include "cluster_transport.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "prescient/actors/errc.hpp"
#include "prescient/testkit/node_process.hpp"
#include "prescient/testkit/test_pki.hpp"

using namespace prescient::node;
using namespace std::chrono_literals;

namespace {

/// One "node": an actor system with the transport of `s`.
struct tls_node {
  explicit tls_node(const security_section& s) {
    node_config c;
    c.security = s;
    cfg.load<caf::io::middleman>();
    if (auto err = configure_transport_security(cfg, c))
      FAIL(prescient::describe(err));
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  ~tls_node() {
    // The system waits for every actor to finish before it goes away.
    if (echo)
      caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  }

  /// Publishes an echo actor on a free loopback port.
  uint16_t serve_echo() {
    echo = sys->spawn([]() -> caf::behavior {
      return {[](const std::string& s) { return "echo: " + s; }};
    });
    auto port = publish_secure(echo, 0, "127.0.0.1");
    REQUIRE(port);
    return *port;
  }

  /// "echo: hello" when the exchange worked; otherwise why not.
  std::string ask_echo(uint16_t port) {
    auto peer = connect_secure(*sys, "127.0.0.1", port, 5s);
    if (!peer)
      return "refused: " + sys->render(peer.error());
    caf::scoped_actor self{*sys};
    std::string out;
    self->request(*peer, 5s, std::string("hello"))
      .receive([&](std::string& s) { out = s; },
               [&](caf::error& e) { out = "failed: " + sys->render(e); });
    return out;
  }

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor echo;
};

struct pki_fixture {
  pki_fixture() : dir(prescient::testkit::make_temp_dir("prescient-pki")) {
    if (prescient::testkit::have_openssl_cli())
      pki = prescient::testkit::make_test_pki(dir);
  }
  ~pki_fixture() {
    prescient::testkit::remove_tree(dir);
  }
  bool ready() const {
    return !pki.dir.empty();
  }
  security_section signed_by_ca(const std::string& name) const {
    security_section s;
    s.certificate = pki.cert(name);
    s.key = pki.key(name);
    s.ca = pki.ca();
    return s;
  }
  std::string dir;
  prescient::testkit::test_pki pki;
};

#define REQUIRE_OPENSSL_CLI(f)                                                 \
  if (!(f).ready()) {                                                          \
    WARN("skipped: the `openssl` command is not installed");                   \
    return;                                                                    \
  }

} // namespace

TEST_CASE("nodes with certificates of the cluster CA talk", "[tls]") {
  pki_fixture f;
  REQUIRE_OPENSSL_CLI(f);
  tls_node server(f.signed_by_ca("node-1"));
  tls_node client(f.signed_by_ca("node-2"));
  CHECK(client.ask_echo(server.serve_echo()) == "echo: hello");
}

TEST_CASE("an encrypted key works with its passphrase file", "[tls]") {
  pki_fixture f;
  REQUIRE_OPENSSL_CLI(f);
  auto enc = f.signed_by_ca("node-enc");
  enc.key_passphrase_file = f.dir + "/node-enc.pass";
  tls_node server(f.signed_by_ca("node-1"));
  tls_node client(enc);
  CHECK(client.ask_echo(server.serve_echo()) == "echo: hello");
}

TEST_CASE("a peer with a certificate of another CA is refused", "[tls]") {
  pki_fixture f;
  REQUIRE_OPENSSL_CLI(f);
  auto rogue = f.signed_by_ca("rogue");
  rogue.ca = f.dir + "/other-ca.crt"; // trusts its own CA: only ours refuses it
  SECTION("as the connecting side") {
    tls_node server(f.signed_by_ca("node-1"));
    tls_node client(rogue);
    CHECK(client.ask_echo(server.serve_echo()).rfind("refused: ", 0) == 0);
  }
  SECTION("as the accepting side") {
    tls_node server(rogue);
    tls_node client(f.signed_by_ca("node-1"));
    CHECK(client.ask_echo(server.serve_echo()).rfind("refused: ", 0) == 0);
  }
}

TEST_CASE("a peer without a certificate is refused", "[tls]") {
  pki_fixture f;
  REQUIRE_OPENSSL_CLI(f);
  SECTION("connecting to a TLS node") {
    tls_node server(f.signed_by_ca("node-1"));
    tls_node client(security_section{}); // anonymous cipher
    CHECK(client.ask_echo(server.serve_echo()).rfind("refused: ", 0) == 0);
  }
  SECTION("accepting a TLS node") {
    tls_node server(security_section{});
    tls_node client(f.signed_by_ca("node-1"));
    CHECK(client.ask_echo(server.serve_echo()).rfind("refused: ", 0) == 0);
  }
}

TEST_CASE("development mode without certificates connects (anonymous cipher)", "[tls]") {
  tls_node server(security_section{});
  tls_node client(security_section{});
  CHECK(client.ask_echo(server.serve_echo()) == "echo: hello");
}

TEST_CASE("production mode without certificates is refused", "[tls]") {
  node_config c;
  c.security.production = true;
  caf::actor_system_config cfg;
  auto err = configure_transport_security(cfg, c);
  REQUIRE(err);
  CHECK(prescient::describe(err).find("key 'security.certificate': missing") == 0);
  REQUIRE(transport_security_problem(c));
  CHECK(transport_security_problem(c)->find("key 'security.certificate': missing") == 0);
  CHECK_FALSE(transport_security_problem(node_config{})); // development: fine
}

TEST_CASE("unusable PEM files are refused with OpenSSL's reason", "[tls]") {
  pki_fixture f;
  REQUIRE_OPENSSL_CLI(f);
  CHECK_FALSE(check_tls_files(f.signed_by_ca("node-1")));
  CHECK_FALSE(check_tls_files(security_section{})); // nothing to check

  auto mismatch = f.signed_by_ca("node-1");
  mismatch.key = f.pki.key("node-2");
  auto why = check_tls_files(mismatch);
  REQUIRE(why);
  CHECK(why->find("key 'security.key': cannot use '" + mismatch.key
                  + "': does not match the certificate")
        == 0);

  auto garbage = f.signed_by_ca("node-1");
  garbage.certificate = f.dir + "/openssl.log"; // readable, not PEM
  why = check_tls_files(garbage);
  REQUIRE(why);
  CHECK(why->find("key 'security.certificate': cannot use") == 0);
  CHECK(why->find("no start line") != std::string::npos);

  auto bad_ca = f.signed_by_ca("node-1");
  bad_ca.ca = f.dir + "/openssl.log";
  why = check_tls_files(bad_ca);
  REQUIRE(why);
  CHECK(why->find("key 'security.ca'") == 0);

  auto stranger = f.signed_by_ca("rogue");
  why = check_tls_files(stranger);
  REQUIRE(why);
  CHECK(why->find("key 'security.certificate'") == 0);
  CHECK(why->find("not accepted by the CA") != std::string::npos);

  auto locked = f.signed_by_ca("node-enc");
  why = check_tls_files(locked);
  REQUIRE(why);
  CHECK(why->find("key 'security.key'") == 0);
  CHECK(why->find("key_passphrase_file") != std::string::npos);

  for (auto* s : {&mismatch, &garbage, &bad_ca, &stranger, &locked}) {
    node_config c;
    c.security = *s;
    caf::actor_system_config cfg;
    CHECK(configure_transport_security(cfg, c)); // the node would not start
  }
}
