#pragma once
// The shard side of the learned model: how a profile uses the inference
// service's replies as the `external` component of its online model
// (prescient::predict::user_model). Plain C++: no CAF, no torch.
//
// How a shard uses it (all on the shard's own thread, nothing blocks):
//
//   per profile:  recent_steps ring;  sparse_prediction cached;  (or a
//                 smaller copy of it)
//   per shard and tenant: an app_names view of the shard's app dictionary
//                 and an app_translation for the tenant's current model:
//                   auto m = registry.current(tenant);   // cheap: atomic load
//                   if (m && (!tr || tr->version() != m->version))
//                     tr.emplace(m, dict);                // lazily filled
//                 No model for the tenant: send no requests, pass nullptr.
//
//   on an event e of user u (shard app id a):
//     1. cached_external ext{&u.cached, u.ring.position(), &translation};
//        u.model.score / observe(tenant, event, ..., ext.get())
//        -- ext.get() is nullptr unless the cached reply is for the current
//        position and the translation's version, so a stale or missing
//        reply leaves the online model exactly as without a learned model;
//     2. u.ring.push(e.time_s, a, device_code(e.device), e.session);
//     3. infer_request r{tenant, key_of(u), u.ring.position(), {}};
//        u.ring.steps([&](uint32_t a) { return translation.to_model(a); }, r.steps);
//        self->request(inference, timeout, infer_atom::value, std::move(r))
//          .then([=](sparse_prediction& p) { if the profile is still resident
//                  and p.position == its ring.position(): cache p; },
//                [](caf::error&) { /* keep nothing; the online model goes on */ });
//
// The user model itself decides per user whether the learned component is
// used (it gates it on recent held-out log loss, see profile.hpp).
//
// Cost: a reply is ~16 x 8 bytes; the service spends a few hundred µs of
// its own thread per prediction (batched, hidden 64), i.e. a few thousand
// predictions per second per node. A shard that ingests faster should
// request only for users whose next prediction matters (e.g. those above a
// pre-warm threshold) and drop replies that come back stale; a request
// whose timeout fires simply leaves the user without a cached reply.

#include <cstdint>
#include <string_view>
#include <vector>

#include "prescient/learned/messages.hpp"
#include "prescient/learned/model_registry.hpp"
#include "prescient/predict/profile.hpp"

namespace prescient::learned {

/// The shard's per-tenant app dictionary (name <-> small id), read only.
class app_names {
public:
  virtual ~app_names() = default;
  /// The name of a shard app id; empty when unknown.
  virtual std::string_view name(predict::app_id a) const = 0;
  /// The shard app id of a name; predict::no_app when the shard has none.
  virtual predict::app_id find(std::string_view name) const = 0;
};

/// Translation between a shard's app ids and one model's vocabulary ids,
/// through the names. Built once per (model version, dictionary) and
/// extended lazily: each id is looked up on first use and then cached
/// (shard ids in a vector indexed by shard id, model ids likewise). Names a
/// side does not know are not cached, so an app the dictionary learns later
/// is found. Not thread-safe (one per shard); `dict` must outlive it.
class app_translation {
public:
  app_translation(model_snapshot model, const app_names& dict);

  uint64_t version() const noexcept {
    return model_ ? model_->version : 0;
  }
  const model_snapshot& model() const noexcept {
    return model_;
  }

  /// The model id of a shard app id; 0 (unknown) when the model has none.
  uint32_t to_model(predict::app_id a);
  /// The shard app id of a model id; predict::no_app when the shard has none.
  predict::app_id to_shard(uint32_t model_id);

private:
  static constexpr uint32_t unset = 0xFFFFFFFF;
  model_snapshot model_;
  const app_names* dict_;
  std::vector<uint32_t> model_of_;        // by shard id; unset = not looked up
  std::vector<predict::app_id> shard_of_; // by model id; no_app = not found (yet)
};

/// predict::external_model over one cached reply. Cheap to construct on the
/// stack for each event. Apps the shard cannot name get no probability
/// (the reply's residual mass is not spread: the online mixture covers them).
class cached_external final : public predict::external_model {
public:
  /// `cached` may be null (no reply yet); `position`: the user's current
  /// recent_steps::position(); `tr` may be null (no model).
  cached_external(const sparse_prediction* cached, uint32_t position,
                  app_translation* tr) noexcept;

  /// True if the cached reply is for this position and the translation's
  /// model version.
  bool fresh() const noexcept {
    return fresh_;
  }
  /// this when fresh(), else nullptr: pass it to user_model::score/observe.
  const predict::external_model* get() const noexcept {
    return fresh_ ? this : nullptr;
  }

  const char* name() const override {
    return "learned";
  }
  void predict(const predict::external_query& q,
               std::vector<predict::scored_app>& out) const override;

private:
  const sparse_prediction* cached_;
  app_translation* tr_;
  bool fresh_;
};

} // namespace prescient::learned
