#include "error_text.hpp"

#include <cctype>
#include <string_view>

#include <kj/exception.h>

namespace prescient::detail {

namespace {

bool strip_prefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix)
    return false;
  s.remove_prefix(prefix.size());
  return true;
}

// "some/file.c++:123: failed: " (what kj::str(exception) prepends).
bool strip_location(std::string_view& s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  if (s.substr(0, colon).find(' ') != std::string_view::npos)
    return false;
  size_t i = colon + 1;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
    ++i, ++digits;
  if (digits == 0 || s.substr(i, 2) != ": ")
    return false;
  auto rest = s.substr(i + 2);
  for (std::string_view kind :
       {"failed: ", "disconnected: ", "overloaded: ", "unimplemented: "})
    if (strip_prefix(rest, kind)) {
      s = rest;
      return true;
    }
  s = rest;
  return true;
}

} // namespace

std::string clean_reason(const kj::Exception& e) {
  std::string_view s(e.getDescription().cStr(), e.getDescription().size());
  s = s.substr(0, s.find('\n'));
  for (bool again = true; again;) {
    again = strip_prefix(s, "remote exception: ")
            || strip_prefix(s, "std::exception: ") || strip_location(s);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  if (s.empty())
    return "the node refused the call without a reason";
  return std::string(s);
}

bool is_transport_failure(const kj::Exception& e) {
  auto t = e.getType();
  return t == kj::Exception::Type::DISCONNECTED
         || t == kj::Exception::Type::OVERLOADED;
}

} // namespace prescient::detail
