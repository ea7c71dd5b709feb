#include "prescient/wire/event.hpp"

namespace prescient {

const char* to_string(event_kind k) noexcept {
  switch (k) {
    case event_kind::launch: return "launch";
    case event_kind::close: return "close";
    case event_kind::request: return "request";
    case event_kind::heartbeat: return "heartbeat";
  }
  return "unknown";
}

const char* to_string(grant_path p) noexcept {
  switch (p) {
    case grant_path::prewarmed: return "prewarmed";
    case grant_path::shadow: return "shadow";
    case grant_path::reactive: return "reactive";
  }
  return "unknown";
}

} // namespace prescient
