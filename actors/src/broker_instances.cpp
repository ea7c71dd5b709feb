// The broker's side of its provider: instances for claims and holds, claims
// that wait for their instance, and the reconciliation of the ledger with
// the provider's instances after a restart (see broker_actor.hpp).
#include <cstdio>
#include <set>

#include "broker_state.hpp"
#include "prescient/actors/errc.hpp"

namespace prescient {

int64_t broker_state::provider_now() const {
  return clock_ ? clock_() : now_us_;
}

providers::app_template broker_state::template_for(const std::string& app,
                                                   const resource_vector& r) const {
  if (auto i = apps_.find(app); i != apps_.end())
    return i->second;
  // No template: the request says what it needs; no command line, so only
  // a simulated provider can start it (a process provider says bad_template).
  providers::app_template t;
  t.name = app;
  t.resources = r;
  return t;
}

void broker_state::claim_cold(const resource_request& r,
                              grant_answer answer, bool fresh) {
  if (!fits(r.resources)) {
    ++counters_.refusals;
    answer(make_error(actor_errc::no_capacity,
                          "data center " + spec_.name + " has no room for the request"));
    return;
  }
  auto instance = next_instance();
  live_grant g{r.tenant, r.user, r.app, r.resources, r.time_us};
  batch_.clear();
  db_->ledger().put(batch_, ledger_key(instance), encode(g));
  if (auto err = db_->write(batch_)) {
    answer(make_error(actor_errc::storage_failure,
                          "ledger write failed: " + describe(err)));
    return;
  }
  auto now = provider_now();
  if (auto err = provider_->provision_cold(template_for(r.app, r.resources), instance, now)) {
    erase_entry(ledger_key(instance));
    bool full = err.code == providers::provider_errc::no_capacity;
    ++(full ? counters_.refusals : counters_.instances_failed);
    answer(make_error(full ? actor_errc::no_capacity : actor_errc::provider_failure,
                          "data center " + spec_.name + " cannot start app '" + r.app
                            + "': " + err.message));
    return;
  }
  admit(instance, std::move(g), fresh);
  wait_for(instance, {r, std::move(answer), now, false});
}

void broker_state::wait_for(const std::string& instance, waiter w) {
  bool warm = w.warm;
  waiting_.emplace(instance, std::move(w));
  if (try_hand_over(instance, provider_now()))
    return;
  if (warm)
    ++counters_.claims_waited; // still warming: waiting beats a cold start
  if (!clock_)
    jump(instance);
}

bool broker_state::try_hand_over(const std::string& instance, int64_t at) {
  auto i = waiting_.find(instance);
  if (i == waiting_.end())
    return true;
  auto h = provider_->hand_over(instance, at);
  if (!h) {
    if (h.error().code == providers::provider_errc::not_ready)
      return false;
    // Gone or dying: poll() may report it too, which then finds no waiter.
    instance_failed(instance, h.error().message);
    return true;
  }
  auto w = std::move(i->second);
  waiting_.erase(i);
  grant out;
  out.data_center = spec_.name;
  out.instance = instance;
  out.path = h->path;
  out.endpoint = h->endpoint;
  // A cold start's wait runs from its provisioning; a warm instance's is its
  // hand-over plus whatever warm-up the claim waited for.
  out.wait_us = h->path == grant_path::reactive ? h->wait_us
                                                : at - w.since_us + h->wait_us;
  switch (h->path) {
    case grant_path::prewarmed: ++counters_.grants_prewarmed; break;
    case grant_path::shadow: ++counters_.grants_shadow; break;
    case grant_path::reactive: ++counters_.grants_reactive; break;
  }
  w.answer(std::move(out));
  return true;
}

void broker_state::jump(const std::string& instance) {
  // Event time: nothing else advances the simulated provider while this
  // claim waits, so move it to the instance's ready (or failure) time. Other
  // instances may become ready a little early in event time; a replay stays
  // deterministic and never blocks.
  auto at = now_us_;
  while (waiting_.count(instance) != 0) {
    auto next = provider_->next_poll(at);
    if (!next) {
      instance_failed(instance, "the provider has nothing in progress for it");
      return;
    }
    at = std::max(at, *next);
    on_events(provider_->poll(at), at);
  }
}

void broker_state::on_events(const std::vector<providers::provider_event>& events,
                             int64_t at) {
  for (auto& e : events) {
    if (e.kind == providers::provider_event::kind_t::ready)
      try_hand_over(e.instance, at);
    else
      instance_failed(e.instance, e.error.message);
  }
}

void broker_state::instance_failed(const std::string& instance, const std::string& why) {
  release_instance(instance); // whatever is left of it
  if (waiting_.count(instance) == 0 && holds_.count(instance) == 0
      && grants_.count(instance) == 0)
    return; // already handled (a failed hand-over, then poll() saying so)
  ++counters_.instances_failed;
  if (auto i = waiting_.find(instance); i != waiting_.end()) {
    auto w = std::move(i->second);
    waiting_.erase(i);
    drop_grant(instance);
    if (w.warm) {
      claim_cold(w.request, std::move(w.answer), false); // the hold's instance failed
      return;
    }
    w.answer(make_error(actor_errc::provider_failure,
                            "data center " + spec_.name + " could not start app '"
                              + w.request.app + "': " + why));
    return;
  }
  if (holds_.count(instance) != 0) {
    drop_hold(instance);
    return;
  }
  // A granted instance died (its process exited): the grant is void.
  drop_grant(instance);
}

void broker_state::release_instance(const std::string& instance) {
  // unknown_instance is expected: a restored grant of a simulated data
  // center, or an instance that already failed.
  static_cast<void>(provider_->release(instance, provider_now()));
}

std::optional<int64_t> broker_state::poll_delay_us() const {
  if (!clock_)
    return std::nullopt;
  auto now = clock_();
  auto next = provider_->next_poll(now);
  for (auto& [instance, w] : waiting_) // a waiting claim's time limit
    next = std::min(next.value_or(INT64_MAX), w.since_us + spec_.max_claim_wait_us + 1);
  if (!next)
    return std::nullopt;
  return std::max<int64_t>(0, *next - now);
}

void broker_state::poll_live() {
  auto now = clock_();
  on_events(provider_->poll(now), now);
  std::vector<std::string> late;
  for (auto& [instance, w] : waiting_)
    if (now - w.since_us > spec_.max_claim_wait_us)
      late.push_back(instance);
  for (auto& instance : late) {
    auto i = waiting_.find(instance);
    auto w = std::move(i->second);
    waiting_.erase(i);
    release_instance(instance);
    drop_grant(instance);
    ++counters_.instances_failed;
    w.answer(make_error(actor_errc::provider_failure,
                            "data center " + spec_.name + ": app '" + w.request.app
                              + "' was not ready within "
                              + std::to_string(spec_.max_claim_wait_us / 1000) + " ms"));
  }
}

void broker_state::reconcile() {
  // Instances the ledger knows, in a state it can use.
  std::set<std::string> usable;
  if (reconcile_) {
    for (auto& info : provider_->list()) {
      // An adopted survivor shows as handed over: a hold cannot hand it over
      // again, so it is released and the hold warmed afresh below.
      bool held = holds_.count(info.id) != 0
                  && info.state != providers::instance_state::handed_over;
      if (grants_.count(info.id) != 0 || held) {
        usable.insert(info.id);
        continue;
      }
      release_instance(info.id);
      ++counters_.restore_released;
    }
    std::vector<std::string> gone; // grants whose process died with the old broker
    for (auto& [instance, g] : grants_)
      if (usable.count(instance) == 0)
        gone.push_back(instance);
    for (auto& instance : gone) {
      ++counters_.restore_erased;
      drop_grant(instance);
    }
  }
  // A hold is a prediction, good until it expires: warm its instance again
  // when it is gone (always, for a simulated data center, which starts empty).
  std::vector<std::string> failed;
  for (auto& [instance, h] : holds_)
    if (usable.count(instance) == 0
        && provider_->provision_warm(template_for(h.what.app, h.what.resources),
                                     instance, provider_now()))
      failed.push_back(instance);
  for (auto& instance : failed) {
    ++counters_.instances_failed;
    drop_hold(instance);
  }
}

} // namespace prescient
