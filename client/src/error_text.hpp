// Turning KJ exceptions from the RPC layer into the client's error texts.
#pragma once

#include <string>

namespace kj {
class Exception;
}

namespace prescient::detail {

/// The node's one-line reason: kj's "remote exception: " and
/// "std::exception: " prefixes, any "file:line: failed: " noise and every
/// line after the first are removed.
std::string clean_reason(const kj::Exception& e);

/// True for failures of the transport (DISCONNECTED, OVERLOADED) as opposed
/// to the node refusing the call (FAILED, UNIMPLEMENTED).
bool is_transport_failure(const kj::Exception& e);

} // namespace prescient::detail
