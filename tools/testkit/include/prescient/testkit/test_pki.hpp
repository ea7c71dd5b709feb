// Certificates for TLS tests, made at test time with the `openssl` command:
// a CA with two node certificates it signs, and a second, unrelated CA with
// a "rogue" certificate — what a stranger to the cluster would present.
// Elliptic-curve keys (P-256), valid for a day, unencrypted except
// node-enc.key (passphrase in node-enc.pass).
#pragma once

#include <optional>
#include <string>

namespace prescient::testkit {

struct test_pki {
  std::string dir;
  std::string ca() const { return dir + "/ca.crt"; }
  std::string cert(const std::string& name) const { return dir + "/" + name + ".crt"; }
  std::string key(const std::string& name) const { return dir + "/" + name + ".key"; }
};

/// True when the `openssl` command can be run.
bool have_openssl_cli();

/// Writes into `dir`: ca.crt, node-1.{crt,key}, node-2.{crt,key} signed by
/// the CA; other-ca.crt and rogue.{crt,key} signed by it; node-enc.{crt,key}
/// with the key encrypted by the passphrase in node-enc.pass. Throws
/// std::runtime_error with the failing command when openssl fails.
test_pki make_test_pki(const std::string& dir);

} // namespace prescient::testkit
