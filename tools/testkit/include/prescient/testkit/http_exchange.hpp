// A minimal HTTP/1.1 client for tests of the /metrics endpoint: raw bytes
// in, raw response out, so that malformed requests can be sent too.
#pragma once

#include <cstdint>
#include <string>

namespace prescient::testkit {

/// Sends `raw` to 127.0.0.1:port and returns the response: its head and a
/// body of Content-Length bytes, or whatever came before the server closed
/// (a refused request may be cut short). Waits at most 10 s for each read.
/// Throws std::runtime_error when it cannot connect.
std::string http_exchange(uint16_t port, const std::string& raw);

/// "METHOD path HTTP/1.1" with a Host header (and an empty body for POST).
std::string http_request(const std::string& method, const std::string& path);

} // namespace prescient::testkit
