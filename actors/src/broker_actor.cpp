#include "prescient/actors/broker_actor.hpp"

#include <chrono>
#include <memory>
#include <optional>

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

/// A live provider: one delayed poll at its next_poll(), unless an earlier
/// one is already on its way.
void schedule_poll(broker_self self, std::optional<int64_t>& due) {
  auto delay = self->state.poll_delay_us();
  if (!delay)
    return;
  auto at = std::chrono::steady_clock::now() + std::chrono::microseconds(*delay);
  auto at_us = std::chrono::duration_cast<std::chrono::microseconds>(
                 at.time_since_epoch()).count();
  if (due && *due <= at_us)
    return;
  due = at_us;
  self->delayed_send(self, std::chrono::microseconds(*delay), poll_atom::value);
}

broker_actor::behavior_type
broker_impl(broker_self self, storage::db* db, data_center_spec spec,
            std::shared_ptr<broker_provider> provider) {
  auto name = spec.name;
  self->state.init(db, std::move(spec), std::move(*provider));
  if (auto err = self->state.restore()) {
    fprintf(stderr, "broker %s: cannot restore its ledger: %s\n", name.c_str(),
            describe(err).c_str());
    self->quit(err);
    return broker_actor::behavior_type::make_empty_behavior();
  }
  auto refitter = spawn_refitter(self);
  auto refit = [self, refitter] { send_refits(self, refitter); };
  // When the scheduled poll is due (steady clock, µs); none scheduled: empty.
  auto due = std::make_shared<std::optional<int64_t>>();
  auto poll_later = [self, due] { schedule_poll(self, *due); };
  poll_later(); // instances adopted or restored may be starting
  return {
    [self, refit, poll_later](claim_atom, const resource_request& r) -> caf::result<grant> {
      auto rp = self->make_response_promise<grant>();
      self->state.claim(r, [rp](caf::expected<grant> g) mutable {
        if (g)
          rp.deliver(std::move(*g));
        else
          rp.deliver(std::move(g.error()));
      });
      refit();
      poll_later();
      return rp;
    },
    [self, poll_later](release_atom, const std::string& tenant, const std::string& user,
                       const std::string& instance) -> caf::result<bool> {
      auto err = self->state.release(tenant, user, instance);
      poll_later(); // a process dies within its grace, which poll() finishes
      if (err)
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
    [self, refit, poll_later](hold_atom, const hold_request& r) -> hold_reply {
      auto out = self->state.hold(r);
      refit();
      poll_later();
      return out;
    },
    [self, poll_later](tick_atom, int64_t now_us) {
      self->state.tick(now_us);
      poll_later();
    },
    [self, due, poll_later](poll_atom) {
      due->reset();
      self->state.poll_live();
      poll_later();
    },
    [self, refit, poll_later](batch_atom,
                              const broker_batch& b) -> caf::result<broker_batch_reply> {
      auto rp = self->make_response_promise<broker_batch_reply>();
      apply_batch(self->state, b, [rp](broker_batch_reply out) mutable {
        rp.deliver(std::move(out));
      });
      refit();
      poll_later();
      return rp;
    },
  };
}

} // namespace

broker_actor spawn_broker(caf::actor_system& sys, storage::db& db,
                          data_center_spec spec, broker_provider provider) {
  // Spawn arguments must be copyable: the provider travels in a shared_ptr.
  return sys.spawn(broker_impl, &db, std::move(spec),
                   std::make_shared<broker_provider>(std::move(provider)));
}

} // namespace prescient
