#include "prescient/actors/shard_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "prescient/actors/errc.hpp"
#include "shard_state.hpp"

namespace prescient {

namespace {

using shard_self = shard_actor::stateful_pointer<shard_state>;

/// Sends the inference requests the last ingest made; replies land in the
/// profiles without blocking anything.
void send_inference(shard_self self) {
  auto inference = self->state.options().inference;
  for (auto& r : self->state.take_inference_requests()) {
    auto key = r.user_key;
    self->request(inference, std::chrono::seconds(2), learned::infer_atom::value,
                  std::move(r))
      .then(
        [self](learned::sparse_prediction& p) {
          self->state.inference_done(p.user_key, &p);
        },
        [self, key](caf::error&) { self->state.inference_done(key, nullptr); });
  }
}

/// Sends the hold requests the last ingest made; what the router does with
/// them is its business (a refused hold changes nothing here).
void send_holds(shard_self self) {
  auto& router = self->state.router();
  for (auto& r : self->state.take_hold_requests())
    if (router)
      self->request(router, std::chrono::seconds(5), hold_atom::value, std::move(r))
        .then([](const hold_reply&) {}, [](caf::error&) {});
  if (router)
    for (auto& a : self->state.take_new_flags())
      caf::anon_send(router, anomalies_atom::value, std::move(a));
}

shard_actor::behavior_type
shard_impl(shard_actor::stateful_pointer<shard_state> self, storage::db* db,
           shard_options opts) {
  auto& st = self->state;
  st.init(db, opts);
  if (auto err = st.recover()) {
    fprintf(stderr, "shard %u: recovery failed: %s\n", opts.id,
            describe(err).c_str());
    self->quit(err);
    return shard_actor::behavior_type::make_empty_behavior();
  }
  return {
    [self](ingest_atom, const event_batch& events) -> caf::result<uint32_t> {
      auto n = self->state.ingest(events);
      send_inference(self);
      send_holds(self);
      if (!n)
        return std::move(n.error());
      return *n;
    },
    [self](user_atom, const std::string& tenant,
           const std::string& user) -> caf::result<user_summary> {
      auto s = self->state.summary(tenant, user);
      if (!s)
        return std::move(s.error());
      return std::move(*s);
    },
    [self](status_atom) -> shard_stats { return self->state.stats(); },
    [self](tick_atom, int64_t watermark_us) { self->state.tick(watermark_us); },
    [self](checkpt_atom) -> caf::result<uint64_t> {
      if (auto err = self->state.checkpoint())
        return err;
      return self->state.stats().events_applied;
    },
    [self](erase_atom, const std::string& tenant,
           const std::string& user) -> caf::result<bool> {
      if (auto err = self->state.erase(tenant, user))
        return err;
      return true;
    },
    [self](score_atom) -> std::string { return self->state.scores(); },
    [self](anomalies_atom, uint32_t limit) -> std::vector<anomaly> {
      return self->state.anomalies(limit);
    },
    [self](connect_atom, caf::actor& router) {
      self->state.connect(std::move(router));
    },
    [self](copy_atom, uint32_t shards, uint32_t vnodes) -> caf::result<user_refs> {
      if (shards == 0 || vnodes == 0)
        return make_error(actor_errc::bad_input, "a ring needs shards and vnodes");
      auto users = self->state.copy_users(shard_ring(shards, vnodes));
      if (!users)
        return std::move(users.error());
      return std::move(*users);
    },
    [self](copy_atom, const user_refs& users) -> caf::result<event_batch> {
      auto events = self->state.copy_events(users);
      if (!events)
        return std::move(events.error());
      return std::move(*events);
    },
    [self](copy_atom, const event_batch& events) -> caf::result<uint32_t> {
      auto n = self->state.ingest_copy(events);
      if (!n)
        return std::move(n.error());
      return *n;
    },
  };
}

} // namespace

shard_actor spawn_shard(caf::actor_system& sys, storage::db& db,
                        shard_options opts) {
  return sys.spawn(shard_impl, &db, opts);
}

} // namespace prescient
