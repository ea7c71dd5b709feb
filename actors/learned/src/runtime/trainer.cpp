#include "prescient/learned/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "online_eval.hpp"
#include "prescient/learned/features.hpp"
#include "prescient/learned/inference_actor.hpp"
#include "prescient/learned/model_persistence.hpp"
#include "prescient/learned/recent_steps.hpp"
#include "prescient/storage/db.hpp"

namespace prescient::learned {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Per-user sequences in model ids, and where each user's held-out part starts.
struct split_data {
  std::vector<size_t> used;        // tenant_history users with a sequence
  std::vector<uint32_t> id_of;     // tenant_history app -> model id
  std::vector<std::vector<step>> all, train;
  std::vector<size_t> score_from;  // per sequence
  std::vector<size_t> online_from; // per tenant_history user (SIZE_MAX: unused)
  uint32_t model_vocab = 0;
  heldout_figures figures;
};

split_data build(const tenant_history& h, vocabulary& vocab, const trainer_options& o) {
  split_data d;
  d.online_from.assign(h.users.size(), SIZE_MAX);
  auto& used = d.used;
  for (size_t u = 0; u < h.users.size(); ++u) {
    auto n = h.users[u].events.size();
    if (n < std::max<size_t>(o.min_user_events, 2))
      continue;
    auto cut = static_cast<size_t>(std::floor(double(n) * (1.0 - o.heldout_fraction)));
    d.online_from[u] = std::clamp<size_t>(cut, 1, n - 1);
    used.push_back(u);
  }
  // Vocabulary: training apps first (what the model learns), then apps seen
  // only in held-out events (the pointer can still name them).
  auto& id_of = d.id_of;
  id_of.assign(h.apps.size(), 0);
  auto add = [&](uint32_t a) {
    if (id_of[a] == 0)
      id_of[a] = vocab.add(h.apps[a]);
  };
  for (auto u : used)
    for (size_t i = 0; i < d.online_from[u]; ++i)
      add(h.users[u].events[i].app);
  d.model_vocab = vocab.size();
  for (auto u : used)
    for (size_t i = d.online_from[u]; i < h.users[u].events.size(); ++i)
      add(h.users[u].events[i].app);
  for (auto u : used) {
    step_encoder enc;
    std::vector<step> seq;
    for (auto& e : h.users[u].events)
      seq.push_back(enc.next(e.time_s, id_of[e.app], e.device,
                             e.session ? std::to_string(e.session) : std::string{}));
    auto from = d.online_from[u];
    d.train.emplace_back(seq.begin(), seq.begin() + static_cast<std::ptrdiff_t>(from));
    d.all.push_back(std::move(seq));
    d.score_from.push_back(from);
    d.figures.train_events += from;
    d.figures.predictions += h.users[u].events.size() - from;
  }
  d.figures.users = used.size();
  return d;
}

/// The model's sparse prediction for every held-out event, in history app ids.
detail::external_predictions learned_heldout(const next_app_model& model, const split_data& d,
                                             size_t users, size_t top_k) {
  std::vector<uint32_t> app_of(d.id_of.empty() ? 1 : 1 + *std::max_element(d.id_of.begin(), d.id_of.end()),
                               UINT32_MAX);
  for (uint32_t a = 0; a < d.id_of.size(); ++a)
    if (d.id_of[a] != 0)
      app_of[d.id_of[a]] = a;
  detail::external_predictions out(users);
  const auto ctx = static_cast<size_t>(std::max(1, model.context()));
  for (size_t k = 0; k < d.used.size(); ++k) {
    auto& seq = d.all[k];
    auto& dst = out[d.used[k]];
    for (size_t t0 = d.score_from[k]; t0 < seq.size(); t0 += 256) {
      std::vector<std::vector<step>> windows;
      for (size_t t = t0; t < std::min(seq.size(), t0 + 256); ++t) {
        auto n = std::min(t, ctx);
        windows.emplace_back(seq.begin() + static_cast<std::ptrdiff_t>(t - n),
                             seq.begin() + static_cast<std::ptrdiff_t>(t));
      }
      for (auto& dist : model.predict_batch(windows)) {
        auto sparse = sparsify(dist, top_k);
        auto& row = dst.emplace_back();
        for (size_t i = 0; i < sparse.apps.size(); ++i)
          if (sparse.apps[i] < app_of.size() && app_of[sparse.apps[i]] != UINT32_MAX)
            row.push_back({app_of[sparse.apps[i]], double(sparse.probs[i])});
      }
    }
  }
  return out;
}

} // namespace

train_options trainer_options::default_model_options() {
  train_options o;
  o.pointer_window = static_cast<int>(recent_steps::capacity);
  o.threads = 1;
  o.time_budget_s = 120;
  return o;
}

trainer::trainer(storage::db& db, std::shared_ptr<model_registry> registry,
                 trainer_options opts)
  : db_(&db), registry_(std::move(registry)), opts_(std::move(opts)) {
  // The model must not use more history than a shard's ring can send, or
  // its held-out figures would promise what serving cannot deliver.
  auto& m = opts_.model;
  m.window = std::min(m.window, static_cast<int>(recent_steps::full_capacity));
  m.pointer_window = std::min(m.pointer_window, static_cast<int>(recent_steps::capacity));
}

void trainer::record(const train_outcome& o) {
  ++status_.runs;
  switch (o.result) {
    case train_result::published: ++status_.published; break;
    case train_result::rejected: ++status_.rejected; break;
    case train_result::skipped: ++status_.skipped; break;
    case train_result::failed: ++status_.failed; break;
  }
  status_.recent.push_back(o);
  if (status_.recent.size() > std::max<size_t>(opts_.outcomes_kept, 1))
    status_.recent.erase(status_.recent.begin());
}

caf::expected<uint64_t> trainer::next_version(const std::string& tenant) {
  auto last = db_->models().last_version(tenant);
  if (!last)
    return std::move(last.error());
  uint64_t v = *last;
  if (auto cur = registry_->current(tenant))
    v = std::max(v, cur->version);
  ++v;
  storage::write_batch batch;
  db_->models().set_last_version(batch, tenant, v);
  if (auto err = db_->write(batch))
    return err;
  return v;
}

std::vector<train_outcome> trainer::run(bool force) {
  std::vector<train_outcome> out;
  auto t0 = clock_type::now();
  auto history = collect_history(*db_, opts_);
  double collect_s = seconds_since(t0);
  if (!history) {
    train_outcome o;
    o.result = train_result::failed;
    o.collect_s = collect_s;
    o.finished_at_us = wall_us();
    o.message = "reading history: " + caf::to_string(history.error());
    record(o);
    out.push_back(std::move(o));
    return out;
  }
  for (auto& [tenant, h] : *history) {
    auto upto = trained_upto_.find(tenant);
    if (!force && upto != trained_upto_.end()) {
      uint64_t fresh = 0;
      for (auto& u : h.users)
        for (auto& e : u.events)
          fresh += e.time_s * 1e6 > double(upto->second);
      if (fresh < opts_.min_new_events)
        continue;  // not an outcome: nothing was tried
    }
    auto o = run_tenant(tenant, h, collect_s);
    if (o.result != train_result::failed)
      trained_upto_[tenant] = h.newest_us;
    out.push_back(std::move(o));
  }
  return out;
}

train_outcome trainer::run_tenant(const std::string& tenant, const tenant_history& h,
                                  double collect_s) {
  train_outcome o;
  o.tenant = tenant;
  o.collect_s = collect_s;
  auto current = registry_->current(tenant);
  o.current = current ? current->version : 0;
  auto done = [&](train_result r, std::string why) {
    o.result = r;
    o.message = std::move(why);
    o.finished_at_us = wall_us();
    record(o);
    return o;
  };
  auto vi = vocab_.find(tenant);
  if (vi == vocab_.end())  // continue the published vocabulary: ids stay valid
    vi = vocab_.emplace(tenant, current ? *current->vocab : vocabulary{}).first;
  auto d = build(h, vi->second, opts_);
  o.figures = d.figures;
  if (d.figures.predictions < std::max<size_t>(opts_.min_heldout, 1))
    return done(train_result::skipped, std::to_string(d.figures.predictions)
                                         + " held-out events, fewer than min_heldout");
  auto version = next_version(tenant);
  if (!version)
    return done(train_result::failed, "version counter: " + caf::to_string(version.error()));
  o.version = *version;
  std::shared_ptr<const next_app_model> model;
  auto t0 = clock_type::now();
  try {
    model = next_app_model::train(d.train, d.model_vocab, opts_.model, *version);
  } catch (const std::exception& e) {
    return done(train_result::failed, std::string{"training: "} + e.what());
  }
  o.train_s = seconds_since(t0);
  if (opts_.model.cancel && opts_.model.cancel->load())
    return done(train_result::failed, "cancelled: the node is stopping");
  o.train_steps = model->report().steps;
  o.stopped_by_budget = model->report().stopped_by_budget;
  t0 = clock_type::now();
  auto learned = model->evaluate(d.all, d.score_from);
  o.predict_us = learned.predictions ? 1e6 * learned.seconds / double(learned.predictions) : 0;
  auto online = detail::evaluate_online(h, d.online_from);
  auto ext = learned_heldout(*model, d, h.users.size(), opts_.external_top_k);
  auto combined = detail::evaluate_online(h, d.online_from, &ext);
  o.evaluate_s = seconds_since(t0);
  o.figures.combined_top1 = combined.top1;
  o.figures.combined_logloss = combined.logloss;
  o.figures.learned_top1 = learned.top1;
  o.figures.learned_logloss = learned.logloss;
  o.figures.online_top1 = online.top1;
  o.figures.online_logloss = online.logloss;
  char buf[160];
  std::snprintf(buf, sizeof buf, "log loss learned %.4f vs online %.4f, top-1 %.4f vs %.4f",
                learned.logloss, online.logloss, learned.top1, online.top1);
  if (!(learned.logloss + opts_.min_gain_nats < online.logloss))
    return done(train_result::rejected, std::string{"did not beat the online model: "} + buf);
  auto snap = std::make_shared<published_model>();
  snap->tenant = tenant;
  snap->version = *version;
  snap->model = std::move(model);
  snap->vocab = std::make_shared<const vocabulary>(vi->second);
  snap->figures = o.figures;
  snap->trained_at_us = wall_us();
  // Durable first: a model in the registry is always one a restart reloads.
  if (auto err = persist_published(*db_, *snap, opts_.keep_versions))
    return done(train_result::failed, "persisting: " + caf::to_string(err));
  if (!registry_->publish(snap))
    return done(train_result::failed, "registry refused version " + std::to_string(*version));
  o.current = *version;
  return done(train_result::published, buf);
}

const char* to_string(train_result r) noexcept {
  switch (r) {
    case train_result::published: return "published";
    case train_result::rejected: return "rejected";
    case train_result::skipped: return "skipped";
    case train_result::failed: return "failed";
  }
  return "?";
}

} // namespace prescient::learned
