// [security] and tenants' tokens_sha256: modes, PEM paths, token digests,
// and what production mode requires.
#include "prescient/node/config.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "prescient/testkit/node_process.hpp"

using namespace prescient::node;

namespace {

const std::string regions = R"(
[[regions]]
name = "eu-west"

[[data_centers]]
name = "dc-1"
region = "eu-west"
)";

// Three distinct digests: the config checks the form only.
const std::string demo_digest = "a3f0c4b6d2e5f1a7b9c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2";
const std::string acme_digest = "b3f0c4b6d2e5f1a7b9c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2";
const std::string admin_digest = "c3f0c4b6d2e5f1a7b9c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2";

std::string tenants(const std::string& demo_tokens, const std::string& acme_tokens) {
  return "[[tenants]]\nid = \"demo\"\n" + demo_tokens + "\n[[tenants]]\nid = \"acme\"\n"
         + acme_tokens + "\n";
}

std::string error_of(const std::string& text, const std::string& source = "test.toml") {
  try {
    parse_config(text, source);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

/// A directory with three readable (not necessarily valid) PEM files.
struct pem_dir {
  pem_dir() : dir(prescient::testkit::make_temp_dir("prescient-cfg")) {
    for (auto* name : {"node.crt", "node.key", "ca.crt", "pass"})
      std::ofstream(dir + "/" + name) << "x\n";
  }
  ~pem_dir() {
    prescient::testkit::remove_tree(dir);
  }
  std::string source() const {
    return dir + "/node.toml";
  }
  std::string dir;
};

} // namespace

TEST_CASE("security defaults: development, no tokens, no TLS", "[config][security]") {
  auto cfg = parse_config(regions + tenants("", ""), "test.toml");
  CHECK_FALSE(cfg.security.production);
  CHECK_FALSE(cfg.security.tls());
  CHECK(cfg.security.admin_tokens_sha256.empty());
  CHECK_FALSE(cfg.authentication_enforced());
  CHECK(describe(cfg).find("security: development mode") != std::string::npos);
}

TEST_CASE("any token digest enforces authentication", "[config][security]") {
  auto tenant_only = parse_config(
    regions + tenants("tokens_sha256 = [\"" + demo_digest + "\"]", ""), "t.toml");
  CHECK_FALSE(tenant_only.security.production);
  CHECK(tenant_only.authentication_enforced());
  CHECK(tenant_only.tenants[0].tokens_sha256 == std::vector<std::string>{demo_digest});
  CHECK(tenant_only.tenants[1].tokens_sha256.empty());

  // Upper-case hex is accepted and stored lower-case.
  std::string upper = admin_digest;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto admin_only = parse_config(regions + tenants("", "")
                                   + "[security]\nadmin_tokens_sha256 = [\"" + upper + "\"]\n",
                                 "t.toml");
  CHECK(admin_only.authentication_enforced());
  CHECK(admin_only.security.admin_tokens_sha256 == std::vector<std::string>{admin_digest});
}

TEST_CASE("PEM paths resolve against the config file's directory", "[config][security]") {
  pem_dir d;
  auto cfg = parse_config(regions + tenants("", "")
                            + "[security]\ncertificate = \"node.crt\"\nkey = \"node.key\"\n"
                              "ca = \"" + d.dir + "/ca.crt\"\nkey_passphrase_file = \"pass\"\n",
                          d.source());
  CHECK(cfg.security.tls());
  CHECK(cfg.security.certificate == d.dir + "/node.crt");
  CHECK(cfg.security.key == d.dir + "/node.key");
  CHECK(cfg.security.ca == d.dir + "/ca.crt"); // absolute stays as written
  CHECK(cfg.security.key_passphrase_file == d.dir + "/pass");
}

TEST_CASE("production mode with everything it needs", "[config][security]") {
  pem_dir d;
  auto cfg = parse_config(
    regions + tenants("tokens_sha256 = [\"" + demo_digest + "\"]",
                      "tokens_sha256 = [\"" + acme_digest + "\"]")
      + "[security]\nmode = \"production\"\ncertificate = \"node.crt\"\nkey = \"node.key\"\n"
        "ca = \"ca.crt\"\nadmin_tokens_sha256 = [\"" + admin_digest + "\"]\n",
    d.source());
  CHECK(cfg.security.production);
  CHECK(cfg.authentication_enforced());
  CHECK(describe(cfg).find("production mode, nodes mutual TLS") != std::string::npos);
}

TEST_CASE("security errors name the key and the position", "[config][security]") {
  pem_dir d;
  auto both = tenants("tokens_sha256 = [\"" + demo_digest + "\"]",
                      "tokens_sha256 = [\"" + acme_digest + "\"]");
  auto files = "certificate = \"node.crt\"\nkey = \"node.key\"\nca = \"ca.crt\"\n";
  auto admin = "admin_tokens_sha256 = [\"" + admin_digest + "\"]\n";
  struct error_case {
    const char* what;
    std::string text;
    std::vector<std::string> expected;
  };
  std::vector<error_case> cases{
    {"unknown mode", regions + both + "[security]\nmode = \"prod\"\n",
     {"node.toml:", "key 'security.mode'", "unknown mode \"prod\"", "\"production\""}},
    {"unknown key", regions + both + "[security]\ncert = \"x\"\n",
     {"unknown key 'security.cert'", "certificate"}},
    {"production without certificate",
     regions + both + "[security]\nmode = \"production\"\n" + admin,
     {"key 'security.certificate': missing; production mode requires certificate, key and ca"}},
    {"production without any [security] files or tokens",
     regions + tenants("", "") + "[security]\nmode = \"production\"\n",
     {"key 'security.certificate': missing"}},
    {"production without an admin token",
     regions + both + "[security]\nmode = \"production\"\n" + files,
     {"key 'security.admin_tokens_sha256': missing", "at least one admin token"}},
    {"production with a tenant without a token",
     regions + tenants("tokens_sha256 = [\"" + demo_digest + "\"]", "")
       + "[security]\nmode = \"production\"\n" + files + admin,
     {"key 'tenants[1].tokens_sha256': missing", "tenant 'acme'"}},
    {"half a TLS setup", regions + both + "[security]\ncertificate = \"node.crt\"\n",
     {"key 'security.key': missing; certificate, key and ca go together"}},
    {"unreadable certificate",
     regions + both + "[security]\ncertificate = \"nope.crt\"\nkey = \"node.key\"\nca = \"ca.crt\"\n",
     {"node.toml:", "key 'security.certificate': cannot read '" + d.dir + "/nope.crt'",
      "No such file"}},
    {"directory as a key", regions + both + "[security]\ncertificate = \"node.crt\"\nkey = \""
                             + d.dir + "\"\nca = \"ca.crt\"\n",
     {"key 'security.key'", "is a directory"}},
    {"passphrase without key", regions + both + "[security]\nkey_passphrase_file = \"pass\"\n",
     {"key 'security.key_passphrase_file': a passphrase needs a key"}},
    {"malformed digest", regions + tenants("tokens_sha256 = [\"abc\"]", ""),
     {"key 'tenants[0].tokens_sha256[0]'", "64 hex digits", "sha256sum"}},
    {"not hex", regions + tenants("tokens_sha256 = [\"" + std::string(64, 'g') + "\"]", ""),
     {"key 'tenants[0].tokens_sha256[0]'", "64 hex digits"}},
    {"digest of the empty token",
     regions + tenants("tokens_sha256 = "
                       "[\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"]",
                       ""),
     {"tokens_sha256[0]'", "digest of the empty token"}},
    {"not a list", regions + tenants("tokens_sha256 = \"" + demo_digest + "\"", ""),
     {"key 'tenants[0].tokens_sha256': expected an array of strings"}},
    {"same digest twice in a tenant",
     regions + tenants("tokens_sha256 = [\"" + demo_digest + "\", \"" + demo_digest + "\"]", ""),
     {"tokens_sha256[1]'", "digest listed twice"}},
    {"one digest for two tenants",
     regions + tenants("tokens_sha256 = [\"" + demo_digest + "\"]",
                       "tokens_sha256 = [\"" + demo_digest + "\"]"),
     {"key 'tenants[1].tokens_sha256[0]'", "already belongs to tenant 'demo'"}},
    {"one digest for a tenant and the admins",
     regions + tenants("tokens_sha256 = [\"" + admin_digest + "\"]", "") + "[security]\n"
       + admin,
     {"key 'security.admin_tokens_sha256[0]'", "already belongs to tenant 'demo'"}},
  };
  for (auto& c : cases) {
    INFO(c.what);
    auto msg = error_of(c.text, d.source());
    REQUIRE_FALSE(msg.empty());
    CHECK(msg.find('\n') == std::string::npos);
    for (auto& part : c.expected) {
      INFO(msg);
      CHECK(msg.find(part) != std::string::npos);
    }
  }
}
