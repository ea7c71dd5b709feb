// Client authentication against a real prescientd: per-tenant tokens reach
// only their tenant's users, the admin token everything; no token or a
// wrong one is refused with a clear reason; production mode refuses to
// start without certificates and with unusable ones.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fixture.hpp"
#include "prescient/testkit/test_pki.hpp"

using namespace prescient;
using prescient::it::make_event;
using prescient::it::make_request;
using prescient::it::run_bin;

namespace {

// printf %s TOKEN | sha256sum
const char* admin_token = "admin-secret";
const char* admin_digest = "16175223c8ddce5ace0493c948569c211b03c4c6bb3d3e484434999448cffe01";
const char* demo_token = "demo-secret";
const char* demo_digest = "cd577fe2561ebff23505db0bb006300c7cdecbd46bc0e03c449afafaca2c25bf";
const char* acme_token = "acme-secret";
const char* acme_digest = "307c609f87da43c3d563428a4f7efdf9857f4871fd10465732c4ab11a985a08c";

void replace_once(std::string& s, const std::string& what, const std::string& with) {
  auto at = s.find(what);
  REQUIRE(at != std::string::npos);
  s.replace(at, what.size(), with);
}

/// The testkit's node config with a token per tenant, an admin token and
/// `security` (the body of [security] besides admin_tokens_sha256).
std::string write_secured_config(const std::string& dir, const std::string& security = "") {
  auto path = testkit::write_config(dir);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  replace_once(text, "id = \"demo\"\n",
               std::string("id = \"demo\"\ntokens_sha256 = [\"") + demo_digest + "\"]\n");
  replace_once(text, "id = \"acme\"\n",
               std::string("id = \"acme\"\ntokens_sha256 = [\"") + acme_digest + "\"]\n");
  text += std::string("\n[security]\nadmin_tokens_sha256 = [\"") + admin_digest + "\"]\n"
          + security;
  std::ofstream(path) << text;
  return path;
}

struct secured_node {
  explicit secured_node(const std::string& security = "")
    : dir(testkit::make_temp_dir("prescient-sec")) {
    config = write_secured_config(dir, security);
    node = std::make_unique<testkit::node_process>(
      testkit::node_process::options{it::bin_path("prescientd"), config, dir + "/data"});
  }
  ~secured_node() {
    node.reset();
    testkit::remove_tree(dir);
  }
  client_options opts(const std::string& token) const {
    client_options o;
    o.address = node->address();
    o.timeout = std::chrono::seconds(10);
    o.token = token;
    return o;
  }
  std::string dir;
  std::string config;
  std::unique_ptr<testkit::node_process> node;
};

/// The what() of the client_error `f` throws; "" when it does not throw.
std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const client_error& e) {
    CHECK(e.kind() == client_error::code::rejected);
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("a tenant token reaches only its own tenant", "[integration][security]") {
  secured_node n;
  {
    client admin(n.opts(admin_token)); // unrestricted: both tenants
    for (int i = 0; i < 10; ++i) {
      admin.submit(make_event("frank", i, "demo"));
      admin.submit(make_event("ann", i, "acme"));
    }
    admin.flush();
    CHECK(admin.user("demo", "frank").events == 10);
    CHECK(admin.user("acme", "ann").events == 10);
    CHECK(admin.status().events_ingested == 20);
    CHECK(admin.node_kpis().events_ingested == 20);
  }
  client demo(n.opts(demo_token));
  CHECK(demo.user("demo", "frank").found);
  CHECK(refusal([&] { demo.user("acme", "ann"); })
        == "user: tenant 'acme' is outside this token's tenant 'demo'");
  demo.submit(make_event("ann", 11, "acme"));
  CHECK(refusal([&] { demo.flush(); })
        == "event 0: tenant 'acme' is outside this token's tenant 'demo'");
  demo.submit(make_event("frank", 11, "demo"));
  demo.flush();
  CHECK(refusal([&] { demo.request(make_request("ann", "ide", "eu-west", 100, 128, "acme")); })
        == "request: tenant 'acme' is outside this token's tenant 'demo'");
  auto g = demo.request(make_request("frank", "ide", "eu-west", 100, 128, "demo"));
  CHECK(contains(refusal([&] { demo.release("acme", "ann", g); }), "tenant 'acme' is outside"));
  demo.release("demo", "frank", g);
  for (auto* what : {"status", "kpis", "forecast"}) {
    auto why = refusal([&] {
      if (std::string(what) == "status")
        demo.status();
      else if (std::string(what) == "kpis")
        demo.node_kpis();
      else
        demo.forecast("eu-west-1", 12);
    });
    INFO(why);
    CHECK(why.rfind(std::string(what) + ": admin role required", 0) == 0);
  }
  for (auto& a : demo.anomalies(1000))
    CHECK(a.tenant == "demo");

  client acme(n.opts(acme_token));
  CHECK(acme.user("acme", "ann").events == 10);
  CHECK(contains(refusal([&] { acme.user("demo", "frank"); }), "outside this token's tenant 'acme'"));
  client admin(n.opts(admin_token));
  CHECK(admin.user("demo", "frank").events == 11); // demo's own event went in
  CHECK(admin.user("acme", "ann").events == 10);   // demo's acme event did not
}

TEST_CASE("no token or a wrong one is refused with a clear reason", "[integration][security]") {
  secured_node n;
  client none(n.opts(""));
  CHECK(refusal([&] { none.status(); }) == "authentication required: log in with a token");
  none.submit(make_event("frank", 1));
  CHECK(refusal([&] { none.flush(); }) == "authentication required: log in with a token");
  client wrong(n.opts("demo-secre"));
  CHECK(refusal([&] { wrong.user("demo", "frank"); }) == "unknown token");
  client digest(n.opts(demo_digest)); // the digest is not the token
  CHECK(refusal([&] { digest.user("demo", "frank"); }) == "unknown token");
}

TEST_CASE("prescientctl logs in with --token or PRESCIENT_TOKEN", "[integration][security][ctl]") {
  secured_node n;
  auto addr = n.node->address();
  auto ok = run_bin("prescientctl", {"--address", addr, "--token", admin_token, "--json", "status"});
  CHECK(ok.exit_code == 0);
  CHECK(contains(ok.out, "\"node_id\""));

  auto none = run_bin("prescientctl", {"--address", addr, "status"});
  CHECK(none.exit_code == 1);
  CHECK(none.err == "prescientctl: " + addr + ": authentication required: log in with a token\n");

  auto wrong = run_bin("prescientctl", {"--address", addr, "--token", "nope", "status"});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err == "prescientctl: " + addr + ": unknown token\n");

  auto tenant = run_bin("prescientctl", {"--address", addr, "--token", demo_token, "kpis"});
  CHECK(tenant.exit_code == 1);
  CHECK(contains(tenant.err, "kpis: admin role required"));

  setenv("PRESCIENT_TOKEN", demo_token, 1);
  auto env = run_bin("prescientctl", {"--address", addr, "--json", "user", "frank"});
  unsetenv("PRESCIENT_TOKEN");
  CHECK(env.exit_code == 0);
  CHECK(contains(env.out, "\"found\""));
}

TEST_CASE("production mode refuses to start without certificates", "[integration][security]") {
  auto dir = testkit::make_temp_dir("prescient-sec");
  auto config = write_secured_config(dir, "mode = \"production\"\n");
  auto r = run_bin("prescientd", {"--config", config});
  testkit::remove_tree(dir);
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(contains(r.err, "key 'security.certificate': missing; production mode requires"));
}

TEST_CASE("production mode starts with certificates and refuses bad ones",
          "[integration][security]") {
  if (!testkit::have_openssl_cli()) {
    WARN("skipped: the `openssl` command is not installed");
    return;
  }
  auto pki_dir = testkit::make_temp_dir("prescient-pki");
  auto pki = testkit::make_test_pki(pki_dir);
  {
    secured_node n("mode = \"production\"\ncertificate = \"" + pki.cert("node-1")
                   + "\"\nkey = \"" + pki.key("node-1") + "\"\nca = \"" + pki.ca() + "\"\n");
    client admin(n.opts(admin_token));
    CHECK(admin.status().node_id == "test-node");
    CHECK(refusal([&] { client(n.opts("")).status(); })
          == "authentication required: log in with a token");
  }
  auto dir = testkit::make_temp_dir("prescient-sec");
  auto config = write_secured_config(dir, "mode = \"production\"\ncertificate = \""
                                             + pki.cert("node-1") + "\"\nkey = \""
                                             + pki.key("node-2") + "\"\nca = \"" + pki.ca()
                                             + "\"\n");
  auto r = run_bin("prescientd", {"--config", config});
  testkit::remove_tree(dir);
  testkit::remove_tree(pki_dir);
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(contains(r.err, "key 'security.key': cannot use '" + pki.key("node-2")
                          + "': does not match the certificate"));
}
