#pragma once
// Messages of the learned-model runtime (trainer and inference actors) and
// their inspect() overloads. CAF 0.17 atoms are at most 10 characters;
// status_atom and tick_atom are the same types as prescient::status_atom and
// prescient::tick_atom of the actors module (an atom is its value).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include "prescient/learned/model_registry.hpp"
#include "prescient/learned/step.hpp"

namespace prescient::learned {

using train_atom = caf::atom_constant<caf::atom("train")>;
using infer_atom = caf::atom_constant<caf::atom("infer")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// One user's recent steps, to be scored by the tenant's current model.
struct infer_request {
  std::string tenant;
  uint64_t user_key = 0;    ///< opaque to the service; echoed in the reply
  uint32_t position = 0;    ///< recent_steps::position() when sent; echoed
  std::vector<step> steps;  ///< oldest first, MODEL vocabulary ids
};

/// The model's next-app distribution for one request, sparse: the top-K
/// model ids (never 0) with their probabilities, best first, and the mass
/// left to everything else (unknown apps included). version 0: the tenant
/// has no published model (apps empty, residual 1).
struct sparse_prediction {
  uint64_t version = 0;
  uint64_t user_key = 0;
  uint32_t position = 0;
  std::vector<uint32_t> apps;
  std::vector<float> probs;
  float residual = 1;
};

/// What the inference service has done since it started.
struct inference_stats {
  uint64_t requests = 0;
  uint64_t batches = 0;         ///< predict_batch calls (one per tenant per flush)
  uint64_t flushes = 0;
  uint64_t no_model = 0;        ///< requests for tenants without a model
  uint64_t largest_batch = 0;
  double busy_s = 0;            ///< wall time inside predict_batch
};

enum class train_result : uint8_t {
  published = 0, ///< trained, beat the online model, now current
  rejected = 1,  ///< trained, did not beat it; the previous version stays
  skipped = 2,   ///< too little (new) data to train or to decide
  failed = 3,    ///< storage or training error (see message)
};

const char* to_string(train_result r) noexcept;

/// One training run for one tenant.
struct train_outcome {
  std::string tenant;
  train_result result = train_result::skipped;
  uint64_t version = 0;      ///< the version trained (0 if none)
  uint64_t current = 0;      ///< the tenant's current version after the run
  heldout_figures figures;
  double collect_s = 0;      ///< reading history from storage
  double train_s = 0;        ///< training the model
  double evaluate_s = 0;     ///< scoring held-out events, both models
  uint64_t train_steps = 0;  ///< optimiser steps
  double predict_us = 0;     ///< learned model, µs per held-out prediction (batches of 256)
  bool stopped_by_budget = false;
  int64_t finished_at_us = 0;  ///< wall clock
  std::string message;       ///< why, in one line
};

/// The trainer's record, for the admin.
struct trainer_status {
  uint64_t runs = 0, published = 0, rejected = 0, skipped = 0, failed = 0;
  std::vector<train_outcome> recent;  ///< newest last, bounded
};

// -- inspect ------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step& x) {
  return f(caf::meta::type_name("learned_step"), x.app, x.hour_of_week,
           x.position_in_session, x.log_gap_s, x.device);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, infer_request& x) {
  return f(caf::meta::type_name("infer_request"), x.tenant, x.user_key,
           x.position, x.steps);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sparse_prediction& x) {
  return f(caf::meta::type_name("sparse_prediction"), x.version, x.user_key,
           x.position, x.apps, x.probs, x.residual);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inference_stats& x) {
  return f(caf::meta::type_name("inference_stats"), x.requests, x.batches,
           x.flushes, x.no_model, x.largest_batch, x.busy_s);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heldout_figures& x) {
  return f(caf::meta::type_name("heldout_figures"), x.users, x.train_events,
           x.predictions, x.learned_top1, x.learned_logloss, x.online_top1,
           x.online_logloss, x.combined_top1, x.combined_logloss);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, train_outcome& x) {
  auto result = static_cast<uint8_t>(x.result);
  auto restore = caf::meta::load_callback([&]() -> caf::error {
    x.result = static_cast<train_result>(result);
    return caf::none;
  });
  return f(caf::meta::type_name("train_outcome"), x.tenant, result, x.version,
           x.current, x.figures, x.collect_s, x.train_s, x.evaluate_s,
           x.train_steps, x.predict_us, x.stopped_by_budget, x.finished_at_us, x.message,
           restore);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trainer_status& x) {
  return f(caf::meta::type_name("trainer_status"), x.runs, x.published,
           x.rejected, x.skipped, x.failed, x.recent);
}

} // namespace prescient::learned
