// Tokens to principals: SHA-256 through OpenSSL, digests from the config.
#include "token_table.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace prescient::node;

namespace {

std::string hex(const sha256_digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : d) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

node_config with_tokens() {
  return parse_config(R"(
[[regions]]
name = "eu-west"
[[data_centers]]
name = "dc-1"
region = "eu-west"
[[tenants]]
id = "demo"
tokens_sha256 = ["6a4ed0b1bb0aeed3e3a8f48d3d1cb3e1f4d80b8e5b1b0d40ff1ce5ad7c3e4c1b",
                 ")" + hex(sha256("demo-token")) + R"("]
[[tenants]]
id = "acme"
[security]
admin_tokens_sha256 = [")" + hex(sha256("admin-token")) + R"("]
)",
                      "t.toml");
}

} // namespace

TEST_CASE("sha256 matches the standard test vectors", "[security]") {
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // What README tells operators to run: printf %s demo-token | sha256sum
  CHECK(hex(sha256("demo-token"))
        == "7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c");
}

TEST_CASE("token_table finds tenants and admins by token", "[security]") {
  token_table t(with_tokens());
  CHECK_FALSE(t.empty());
  auto demo = t.find("demo-token");
  REQUIRE(demo);
  CHECK_FALSE(demo->admin);
  CHECK(demo->tenant == "demo");
  CHECK(std::string(demo->role()) == "tenant");
  auto admin = t.find("admin-token");
  REQUIRE(admin);
  CHECK(admin->admin);
  CHECK(admin->tenant.empty());
  CHECK(std::string(admin->role()) == "admin");
  // Wrong, truncated, padded and empty tokens are all simply unknown.
  CHECK_FALSE(t.find("demo-toke"));
  CHECK_FALSE(t.find("demo-token "));
  CHECK_FALSE(t.find("DEMO-TOKEN"));
  CHECK_FALSE(t.find(""));
  // The digest itself is not a token.
  CHECK_FALSE(t.find(hex(sha256("demo-token"))));
}

TEST_CASE("token_table of a config without tokens is empty", "[security]") {
  auto cfg = with_tokens();
  cfg.security.admin_tokens_sha256.clear();
  for (auto& tenant : cfg.tenants)
    tenant.tokens_sha256.clear();
  token_table t(cfg);
  CHECK(t.empty());
  CHECK_FALSE(t.find("admin-token"));
}
