#pragma once
// The learned next-app model: a small recurrent network (LSTM or GRU) over a
// user's last `window` steps (app + context embeddings), whose output mixes
//   - a softmax over the whole vocabulary (what users in general do next), and
//   - a pointer (attention) over the user's last `pointer_window` apps (what
//     THIS user did), gated by a learned sentinel (Merity et al. 2016,
//     "Pointer sentinel mixture models"). Its scores combine the recurrent
//     state with app-independent match features (did the app at j follow the
//     current app / the current two apps before? is it the current app?) and
//     a learned recency curve, so it acts as a learned, context-gated
//     per-user Markov model of any order that also works for apps the
//     network never saw.
// No user embeddings: the model is user-agnostic and serves users it was not
// trained on.
//
// A next_app_model is IMMUTABLE once built: every member is const and
// thread-safe, so one std::shared_ptr<const next_app_model> can be published
// to any number of profile actors and used concurrently. LibTorch is not
// included here (pimpl); only src/next_app_model.cpp sees it.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prescient/learned/step.hpp"

namespace prescient::learned {

enum class cell_kind : uint8_t { lstm = 0, gru = 1 };

struct train_options {
  cell_kind cell = cell_kind::lstm;
  int embed = 32;            // app embedding width
  int context_embed = 16;    // hour-of-day + day-of-week + position + device embeddings (summed)
  int hidden = 64;           // recurrent state width
  bool pointer = true;       // pointer-sentinel mixture over the user's recent apps
  int window = 16;           // recurrent context = truncated BPTT length
  int pointer_window = 256;  // apps the pointer can copy from (the user's last N events)
  int batch = 32;            // windows per optimiser step
  int epochs = 10;           // passes over the training windows
  double lr = 3e-3;          // Adam
  double weight_decay = 0.0; // L2 on all weights (Adam's)
  double dropout = 0.1;      // on the recurrent input and output (training only)
  double clip_norm = 1.0;    // gradient-norm clip; <= 0 disables
  uint32_t min_app_count = 1; // apps seen fewer times in training are trained as unknown
  uint64_t seed = 1;         // everything random (init, windows, dropout) derives from it
  size_t max_steps = 100000; // optimiser steps, whatever the epochs say
  double time_budget_s = 0;  // > 0: stop after this much wall time (then NOT deterministic)
  /// Set (by another thread): stop at the next optimiser step, as when the
  /// budget runs out (a node that shuts down stops training; not persisted).
  std::shared_ptr<const std::atomic<bool>> cancel;
  int threads = 1;           // torch intra-op threads (process-wide setting!); <= 0 leaves it
  int device_buckets = 8;    // device ids are hashed into this many embeddings
};

/// What a training run did (kept inside the model and persisted with it).
struct training_report {
  size_t sequences = 0;      // non-trivial sequences used
  size_t events = 0;         // steps in them
  size_t windows = 0;        // windows per epoch
  size_t steps = 0;          // optimiser steps taken
  int epochs_done = 0;       // full epochs completed
  double seconds = 0;        // wall time of the training loop
  double final_loss = 0;     // mean training loss over the last epoch (nats / prediction)
  bool stopped_by_budget = false;
};

/// Prediction quality on held-out data. top-k counts only real apps: a target
/// that is unknown to the model (id 0 or beyond its vocabulary) is a miss,
/// and id 0 is never among the ranked guesses.
struct evaluation {
  size_t predictions = 0;
  size_t unknown_targets = 0;  // targets the model cannot name (counted as misses)
  double top1 = 0, top3 = 0, top5 = 0;
  double logloss = 0;          // mean -ln p(target), target id 0 for unknown targets; p floored at 1e-6
  double seconds = 0;          // wall time spent predicting
};

class next_app_model {
public:
  /// Trains a new model. `sequences`: one per user, time ordered (each step's
  /// app is the event's app; the model learns p(app[t+1] | steps[..t])).
  /// `vocab_size` = vocabulary::size(); ids >= vocab_size are treated as 0.
  /// Deterministic for a seed (and threads), unless time_budget_s cuts it.
  /// Throws std::invalid_argument on bad options; returns a model even for
  /// empty data (it then predicts the uniform distribution).
  static std::shared_ptr<const next_app_model>
  train(const std::vector<std::vector<step>>& sequences, uint32_t vocab_size,
        const train_options& options, uint64_t version);

  /// Restores a model from save(). Bad bytes -> nullptr (and *error set); never throws.
  static std::shared_ptr<const next_app_model> load(std::string_view bytes,
                                                    std::string* error = nullptr);

  ~next_app_model();
  next_app_model(const next_app_model&) = delete;
  next_app_model& operator=(const next_app_model&) = delete;

  uint64_t version() const;
  uint32_t vocab_size() const;
  /// Recurrent context length.
  int window() const;
  /// Steps of history the model uses: max(window, pointer_window). Pass (up
  /// to) this many of a user's last steps to predict(); older ones are ignored.
  int context() const;
  const train_options& options() const;
  const training_report& report() const;

  /// For every input (the last steps of one user, oldest first), the
  /// probability distribution (vocab_size floats, sum 1) of the NEXT app.
  /// Entry 0 is the probability of an app the model does not know. One
  /// batched forward pass; an empty input gets the training unigram.
  std::vector<std::vector<float>> predict_batch(const std::vector<std::vector<step>>& recent) const;
  std::vector<float> predict(const std::vector<step>& recent) const;

  /// Scores held-out predictions: for every sequence s and every t with
  /// score_from[s] <= t < s.size(), predicts s[t].app from the window
  /// before t. score_from may be empty (score every t >= 1).
  evaluation evaluate(const std::vector<std::vector<step>>& sequences,
                      const std::vector<size_t>& score_from = {},
                      size_t batch = 256) const;

  /// Versioned binary format with a checksum, suitable for RocksDB values.
  std::string save() const;

  struct impl;
private:
  explicit next_app_model(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// Sets LibTorch's intra-op thread count (process-wide). Servers should call
/// it once with 1 so small inferences do not wake a thread pool.
void set_torch_threads(int threads);

} // namespace prescient::learned
