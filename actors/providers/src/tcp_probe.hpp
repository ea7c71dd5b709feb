// The optional readiness check of an app template: "tcp:HOST:PORT" is ready
// once a TCP connection to it succeeds (private).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace prescient::providers {

struct tcp_probe {
  std::string host; ///< IPv4 literal or "localhost"
  uint16_t port = 0;

  /// "HOST:PORT", the endpoint handed over.
  std::string endpoint() const;

  /// Parses "tcp:HOST:PORT"; nullopt when it is anything else.
  static std::optional<tcp_probe> parse(const std::string& text);

  /// True when a connection succeeds now. Bounded by a 50 ms timeout; meant
  /// for loopback, where it answers at once.
  bool connects() const;
};

} // namespace prescient::providers
