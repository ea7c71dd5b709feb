#include "prescient/testkit/http_exchange.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace prescient::testkit {

namespace {

// The full length of the response in `got` once its head is complete and
// has a Content-Length; npos before.
size_t expected_length(const std::string& got) {
  auto head_end = got.find("\r\n\r\n");
  if (head_end == std::string::npos)
    return std::string::npos;
  auto at = got.find("Content-Length: ");
  if (at == std::string::npos || at > head_end)
    return std::string::npos;
  return head_end + 4 + std::stoul(got.substr(at + 16));
}

} // namespace

std::string http_exchange(uint16_t port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("socket failed");
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to port " + std::to_string(port));
  }
  // A server refusing an oversized request may close before all is sent.
  (void)::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; out.size() < expected_length(out) && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, size_t(n));
  ::close(fd);
  return out;
}

std::string http_request(const std::string& method, const std::string& path) {
  return method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n"
         + (method == "POST" ? "Content-Length: 0\r\n" : "") + "\r\n";
}

} // namespace prescient::testkit
