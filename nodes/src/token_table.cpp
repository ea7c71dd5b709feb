#include "token_table.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace prescient::node {

namespace {

uint8_t hex_value(char c) {
  if (c >= '0' && c <= '9')
    return static_cast<uint8_t>(c - '0');
  return static_cast<uint8_t>(c - 'a' + 10); // lowercase: config normalizes
}

sha256_digest from_hex(const std::string& hex) {
  sha256_digest out{};
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
  return out;
}

} // namespace

sha256_digest sha256(std::string_view data) {
  sha256_digest out{};
  unsigned len = 0;
  // EVP_Digest is the one-shot form of Init/Update/Final; it fails only when
  // OpenSSL cannot allocate, which we treat like any allocation failure.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1
      || len != out.size())
    throw std::runtime_error("OpenSSL cannot compute SHA-256");
  return out;
}

token_table::token_table(const node_config& cfg) {
  for (auto& hex : cfg.security.admin_tokens_sha256)
    entries_.push_back({from_hex(hex), {true, ""}});
  for (auto& t : cfg.tenants)
    for (auto& hex : t.tokens_sha256)
      entries_.push_back({from_hex(hex), {false, t.id}});
}

std::optional<principal> token_table::find(std::string_view token) const {
  auto digest = sha256(token);
  const entry* match = nullptr;
  for (auto& e : entries_)
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0)
      match = &e; // no early exit: every entry costs the same
  if (match == nullptr)
    return std::nullopt;
  return match->who;
}

} // namespace prescient::node
