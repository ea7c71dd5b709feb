#include "tcp_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>

namespace prescient::providers {

std::string tcp_probe::endpoint() const {
  return host + ":" + std::to_string(port);
}

std::optional<tcp_probe> tcp_probe::parse(const std::string& text) {
  const std::string scheme = "tcp:";
  auto colon = text.rfind(':');
  if (text.compare(0, scheme.size(), scheme) != 0 || colon < scheme.size() + 1)
    return std::nullopt;
  tcp_probe p;
  p.host = text.substr(scheme.size(), colon - scheme.size());
  auto port_text = text.substr(colon + 1);
  char* end = nullptr;
  auto port = std::strtoul(port_text.c_str(), &end, 10);
  in_addr addr;
  if (port_text.empty() || *end != '\0' || port == 0 || port > 65535
      || (p.host != "localhost" && ::inet_pton(AF_INET, p.host.c_str(), &addr) != 1))
    return std::nullopt;
  p.port = static_cast<uint16_t>(port);
  return p;
}

bool tcp_probe::connects() const {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(),
              &sa.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  // Linux bounds a blocking connect by the send timeout.
  timeval tv{0, 50'000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

} // namespace prescient::providers
