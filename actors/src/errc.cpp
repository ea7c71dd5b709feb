#include "prescient/actors/errc.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace prescient {

const char* to_string(actor_errc x) noexcept {
  switch (x) {
    case actor_errc::unknown_tenant: return "unknown_tenant";
    case actor_errc::region_not_allowed: return "region_not_allowed";
    case actor_errc::no_capacity: return "no_capacity";
    case actor_errc::unknown_instance: return "unknown_instance";
    case actor_errc::storage_failure: return "storage_failure";
    case actor_errc::overloaded: return "overloaded";
    case actor_errc::shutting_down: return "shutting_down";
    case actor_errc::throttled: return "throttled";
    case actor_errc::bad_input: return "bad_input";
    case actor_errc::provider_failure: return "provider_failure";
    case actor_errc::no_quorum: return "no_quorum";
    case actor_errc::unreachable: return "unreachable";
  }
  return "unknown";
}

caf::error make_error(actor_errc code, std::string what) {
  return caf::error{static_cast<uint8_t>(code), caf::atom("prescient"),
                    caf::make_message(std::move(what))};
}

std::string describe(const caf::error& e) {
  const auto& ctx = e.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  if (e.category() == caf::atom("system")) {
    if (e.code() == static_cast<uint8_t>(caf::sec::request_timeout))
      return "timed out inside the node";
  }
  return "internal error " + caf::to_string(e);
}

} // namespace prescient
