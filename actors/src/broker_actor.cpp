#include "prescient/actors/broker_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "broker_batch_apply.hpp"
#include "broker_state.hpp"
#include "forecast_refitter.hpp"
#include "prescient/actors/errc.hpp"

namespace prescient {

namespace {

using broker_self = broker_actor::stateful_pointer<broker_state>;

/// Sends the demand refits that came due; each comes back to this broker,
/// which adopts it and sends what came due meanwhile.
void send_refits(broker_self self, const caf::actor& refitter) {
  for (auto& job : self->state.demand().take_refit_jobs()) {
    auto series = job->series;
    self->request(refitter, caf::infinite, std::move(job))
      .then(
        [self, refitter](refit_job_ptr& done) {
          self->state.demand().adopt(done);
          send_refits(self, refitter);
        },
        [self, series](caf::error&) {
          // Keep forecasting with the old fit; refit on the next step.
          self->state.demand().abandon(series);
        });
  }
}

broker_actor::behavior_type
broker_impl(broker_self self, storage::db* db,
            data_center_spec spec) {
  auto name = spec.name;
  self->state.init(db, std::move(spec));
  if (auto err = self->state.restore()) {
    fprintf(stderr, "broker %s: cannot restore its ledger: %s\n", name.c_str(),
            describe(err).c_str());
    self->quit(err);
    return broker_actor::behavior_type::make_empty_behavior();
  }
  auto refitter = spawn_refitter(self);
  auto refit = [self, refitter] { send_refits(self, refitter); };
  return {
    [self, refit](claim_atom, const resource_request& r) -> caf::result<grant> {
      auto g = self->state.claim(r);
      refit();
      if (!g)
        return std::move(g.error());
      return std::move(*g);
    },
    [self](release_atom, const std::string& tenant, const std::string& user,
           const std::string& instance) -> caf::result<bool> {
      if (auto err = self->state.release(tenant, user, instance))
        return err;
      return true;
    },
    [self](status_atom) -> broker_stats { return self->state.stats(); },
    [self](forecast_atom, uint32_t horizon) -> data_center_forecast {
      return self->state.forecast(static_cast<int>(horizon));
    },
    [self](anomalies_atom, uint32_t limit) -> std::vector<anomaly> {
      return self->state.anomalies(limit);
    },
    [self, refit](hold_atom, const hold_request& r) -> hold_reply {
      auto out = self->state.hold(r);
      refit();
      return out;
    },
    [self](tick_atom, int64_t now_us) { self->state.tick(now_us); },
    [self, refit](batch_atom, const broker_batch& b) -> broker_batch_reply {
      auto out = apply_batch(self->state, b);
      refit();
      return out;
    },
  };
}

} // namespace

broker_actor spawn_broker(caf::actor_system& sys, storage::db& db,
                          data_center_spec spec) {
  return sys.spawn(broker_impl, &db, std::move(spec));
}

} // namespace prescient
