#include "forecast_refitter.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/spawn_options.hpp>

namespace prescient {

namespace {

caf::behavior refitter_impl(caf::event_based_actor*) {
  return {
    [](refit_job_ptr& job) {
      job->model.retrain();
      return job;
    },
  };
}

} // namespace

caf::actor spawn_refitter(caf::local_actor* owner) {
  return owner->spawn<caf::detached + caf::linked>(refitter_impl);
}

} // namespace prescient
