// Who a client token logs in as. The node keeps only SHA-256 digests of the
// tokens (from the configuration); a presented token is hashed and compared
// with every digest in constant time, so neither the timing nor the answer
// tells which part of a wrong token was wrong. Private to the node.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prescient/node/config.hpp"

namespace prescient::node {

using sha256_digest = std::array<uint8_t, 32>;

/// SHA-256 of `data` through OpenSSL's EVP interface.
sha256_digest sha256(std::string_view data);

/// What a token grants: every tenant (admin) or one tenant.
struct principal {
  bool admin = false;
  std::string tenant; ///< the tenant; empty for an admin

  /// "admin" or "tenant".
  const char* role() const noexcept {
    return admin ? "admin" : "tenant";
  }
};

class token_table {
public:
  /// The digests of `cfg`: its [security] admin tokens and every tenant's.
  /// The configuration was validated: each digest is 64 hex digits.
  explicit token_table(const node_config& cfg);

  /// The principal `token` logs in as; nullopt for an unknown token.
  /// Looks at every entry whatever the outcome (constant time in the
  /// number of entries).
  std::optional<principal> find(std::string_view token) const;

  bool empty() const noexcept {
    return entries_.empty();
  }

private:
  struct entry {
    sha256_digest digest;
    principal who;
  };
  std::vector<entry> entries_;
};

} // namespace prescient::node
