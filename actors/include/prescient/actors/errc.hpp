// Errors the actors report to callers. Each crosses nodes as a caf::error of
// category "prescient"; the gateway turns it into a one-line RPC exception.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace prescient {

enum class actor_errc : uint8_t {
  unknown_tenant = 1,  ///< the tenant is not in the node's configuration
  region_not_allowed,  ///< the tenant's policy forbids every candidate region
  no_capacity,         ///< no allowed data center has room for the request
  unknown_instance,    ///< release of an instance that is not granted
  storage_failure,     ///< the node could not make the input durable
  overloaded,          ///< too much accepted but not yet applied input
  shutting_down,       ///< the node is stopping and accepts nothing new
  bad_input,           ///< the input is malformed; the context says why
  throttled,           ///< the user is throttled by the tenant's policy
  provider_failure,    ///< the data center's provider could not start the instance
  no_quorum,           ///< this node's side of the cluster is a minority: no writes
  unreachable,         ///< a node that owns the data did not answer in time
};

const char* to_string(actor_errc) noexcept;

/// Builds an error carrying `what` as its context, shown to the caller.
caf::error make_error(actor_errc code, std::string what);

/// Renders any error as one line for a remote caller: the context string if
/// the error carries one, otherwise CAF's rendering.
std::string describe(const caf::error& e);

} // namespace prescient
