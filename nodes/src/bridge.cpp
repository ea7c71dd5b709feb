#include "bridge.hpp"

namespace prescient::node {

caf::actor spawn_bridge(caf::actor_system& sys) {
  return sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](bridge_job& job) { job(self); }};
  });
}

kj::Exception rpc_error(std::string reason) {
  return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                       kj::heapString(reason.data(), reason.size()));
}

} // namespace prescient::node
