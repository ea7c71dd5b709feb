#include "prescient/testkit/test_pki.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace prescient::testkit {

namespace {

void run(const test_pki& p, const std::string& cmd) {
  auto full = "cd '" + p.dir + "' && " + cmd + " >>openssl.log 2>&1";
  if (std::system(full.c_str()) != 0)
    throw std::runtime_error("test PKI: command failed (see " + p.dir
                             + "/openssl.log): " + cmd);
}

const char* ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1";

void make_ca(const test_pki& p, const std::string& name) {
  run(p, std::string("openssl req -x509 ") + ec_key + " -nodes -days 1 -keyout " + name
           + ".key -out " + name + ".crt -subj /CN=" + name);
}

void make_signed(const test_pki& p, const std::string& name, const std::string& ca,
                 const std::string& key_opts = "-nodes") {
  run(p, std::string("openssl req ") + ec_key + " " + key_opts + " -keyout " + name
           + ".key -out " + name + ".csr -subj /CN=" + name);
  run(p, "openssl x509 -req -days 1 -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca
           + ".key -CAcreateserial -out " + name + ".crt");
}

} // namespace

bool have_openssl_cli() {
  return std::system("openssl version >/dev/null 2>&1") == 0;
}

test_pki make_test_pki(const std::string& dir) {
  test_pki p{dir};
  make_ca(p, "ca");
  make_signed(p, "node-1", "ca");
  make_signed(p, "node-2", "ca");
  make_ca(p, "other-ca");
  make_signed(p, "rogue", "other-ca");
  std::ofstream(dir + "/node-enc.pass") << "correct horse\n";
  make_signed(p, "node-enc", "ca", "-passout file:node-enc.pass");
  return p;
}

} // namespace prescient::testkit
