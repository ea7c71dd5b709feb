#pragma once
// The models the trainer has published, per tenant: what profile actors and
// the inference service read. Plain C++ (no torch, no CAF).
//
// A published model is an immutable snapshot: the weights, the vocabulary
// they were trained with, the version and the held-out figures that earned
// the publication. Publication replaces a tenant's snapshot by an atomic
// swap of one shared_ptr to an immutable table (copy-on-write), so a reader
// takes no lock beyond the shared_ptr's own (libstdc++: a short spinlock)
// and never sees a half-built model; a reader that holds a snapshot keeps it
// alive after a newer one is published.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "prescient/learned/next_app_model.hpp"
#include "prescient/learned/vocabulary.hpp"

namespace prescient::learned {

/// Learned vs online (production) model on the same held-out events: each
/// user's last events, predicted by models that saw only what came before.
struct heldout_figures {
  uint64_t users = 0;          ///< users with held-out events
  uint64_t train_events = 0;   ///< events the learned model trained on
  uint64_t predictions = 0;    ///< held-out events scored (same for both)
  double learned_top1 = 0, learned_logloss = 0;
  double online_top1 = 0, online_logloss = 0;  ///< prescient::predict, prequential
  /// The online model with the learned one as its external component (the
  /// way profiles use it; its per-user gate starts cold at the held-out part).
  double combined_top1 = 0, combined_logloss = 0;
};

struct published_model {
  std::string tenant;
  uint64_t version = 0;
  std::shared_ptr<const next_app_model> model;
  /// The vocabulary the model's ids refer to (append-only across versions of
  /// a tenant, so ids stay valid for later versions).
  std::shared_ptr<const vocabulary> vocab;
  heldout_figures figures;
  int64_t trained_at_us = 0;  ///< wall clock, µs since the epoch
};

using model_snapshot = std::shared_ptr<const published_model>;

/// Thread-safe: any number of readers and publishers.
class model_registry {
public:
  model_registry();

  /// The tenant's current model, or nullptr. Lock-free for the caller
  /// beyond the shared_ptr load.
  model_snapshot current(std::string_view tenant) const;

  /// Makes `m` the tenant's current model. Refused (returns false, nothing
  /// changes) when `m` is incomplete or its version is not greater than the
  /// current one: versions of a tenant only increase.
  bool publish(model_snapshot m);

  /// Every tenant's current model, by tenant.
  std::vector<model_snapshot> all() const;

  /// Successful publish() calls so far.
  uint64_t publications() const;

private:
  using table = std::map<std::string, model_snapshot, std::less<>>;
  std::shared_ptr<const table> table_;  // accessed only via std::atomic_load/store
  mutable std::mutex publish_mtx_;      // serialises writers (copy-on-write)
  uint64_t publications_ = 0;           // guarded by publish_mtx_
};

} // namespace prescient::learned
