#include "shard_state.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "event_codec.hpp"
#include "prescient/actors/errc.hpp"

namespace prescient {

void shard_state::init(storage::db* db, shard_options opts) {
  db_ = db;
  opts_ = opts;
  tenants_ = std::make_unique<tenant_models>(opts.id);
  model_limit_ = std::max<size_t>(16, opts.model_memory_bytes / 2048);
  if (opts.score_predictions) {
    board_ = std::make_unique<predict::scoreboard>(opts.score_widths);
    auto names = predict::online_model_names(opts.score_components, false);
    board_first_ = board_->model(names.front());
    for (auto& n : names)
      board_->model(n);
  }
  last_checkpoint_ = std::chrono::steady_clock::now();
}

caf::error shard_state::activate_all(const event_batch& events) {
  for (auto& e : events) {
    auto p = activate(e.tenant, e.user);
    if (!p)
      return make_error(actor_errc::storage_failure,
                        "cannot load the profile of user '" + e.user
                          + "': " + describe(p.error()));
    if (!profile_predictor::teaches(e) || (*p)->predictor().resident())
      continue;
    auto t = tenants_->get(*db_, e.tenant);
    if (!t)
      return make_error(actor_errc::storage_failure,
                        "cannot load the models of tenant '" + e.tenant
                          + "': " + describe(t.error()));
    bool reset = false;
    if (auto err = (*p)->predictor().load(*db_, e.tenant, e.user, **t, &reset))
      return make_error(actor_errc::storage_failure,
                        "cannot load the model of user '" + e.user
                          + "': " + describe(err));
    models_reset_ += reset ? 1 : 0;
    ++resident_models_;
  }
  return {};
}

std::string shard_state::key_of(std::string_view tenant, std::string_view user) {
  std::string key;
  key.reserve(tenant.size() + user.size() + 1);
  key.append(tenant).push_back('\x1f');
  key.append(user);
  return key;
}

caf::expected<profile*> shard_state::activate(std::string_view tenant,
                                              std::string_view user) {
  auto key = key_of(tenant, user);
  if (auto i = profiles_.find(key); i != profiles_.end())
    return &i->second;
  auto loaded = profile::load(*db_, tenant, user);
  if (!loaded)
    return std::move(loaded.error());
  auto [i, added] = profiles_.emplace(std::move(key), std::move(*loaded));
  return &i->second;
}

caf::error shard_state::recover() {
  recovering_ = true;
  struct done_t {
    bool& flag;
    ~done_t() { flag = false; }
  } done{recovering_};
  auto last = db_->log().last_seq(opts_.id);
  if (!last)
    return std::move(last.error());
  caf::error failure;
  auto err = db_->log().replay(opts_.id, 0, [&](uint64_t seq,
                                                std::string_view record) {
    if (failure)
      return;
    auto events = decode_batch(record);
    if (!events) {
      failure = std::move(events.error());
      return;
    }
    if (auto err = activate_all(*events)) {
      failure = std::move(err);
      return;
    }
    apply(*events);
    log_bytes_ += record.size();
  });
  if (err)
    return err;
  if (failure)
    return failure;
  last_seq_ = *last;
  // Make the replayed state a checkpoint, so the log starts empty.
  return unsaved_ ? checkpoint() : caf::error{};
}

caf::expected<uint32_t> shard_state::ingest(const event_batch& events) {
  // Activate first: a profile that cannot be read rejects the batch before
  // anything is logged, so the log never holds events we could not apply.
  if (auto err = activate_all(events))
    return err;
  auto record = encode_batch(events);
  storage::write_batch batch;
  db_->log().append(batch, opts_.id, last_seq_ + 1, record);
  if (auto err = db_->write(batch))
    return make_error(actor_errc::storage_failure,
                      "write-ahead log write failed: " + describe(err));
  ++last_seq_;
  log_bytes_ += record.size();
  apply(events);
  // Models leave memory only once written, i.e. at a checkpoint; checkpoint
  // early when the models loaded since the last one overshoot the budget by
  // an eighth, so that model memory stays bounded (and freed models leave
  // holes that the next loads refill, not a heap that only grows).
  bool models_over = resident_models_ > model_limit_ + model_limit_ / 8;
  if (log_bytes_ >= opts_.checkpoint_bytes || models_over)
    if (auto err = checkpoint())
      // The events are safe in the log; a failed checkpoint is retried on
      // the next tick, so the batch still succeeds.
      fprintf(stderr, "shard %u: checkpoint failed: %s\n", opts_.id,
              describe(err).c_str());
  return static_cast<uint32_t>(events.size());
}

void shard_state::apply(const event_batch& events) {
  profile_predictor::scoring scoring{board_.get(), board_first_,
                                     opts_.score_components};
  learned::infer_request request;
  for (auto& e : events) {
    auto key = key_of(e.tenant, e.user);
    auto& p = profiles_.find(key)->second;
    p.apply(e, sealed_);
    watermark_us_ = std::max(watermark_us_, e.time_us);
    if (!p.predictor().resident())
      continue;
    // activate_all loaded the tenant (a map lookup here, no I/O)
    auto t = tenants_->get(*db_, e.tenant);
    if (!t)
      continue;
    learned::app_translation* tr = nullptr;
    if (opts_.learned_models)
      tr = (*t)->translate(opts_.learned_models->current(e.tenant));
    bool may_ask = tr && opts_.inference && !recovering_
                   && infer_in_flight_ < opts_.max_inference_in_flight;
    if (e.kind == event_kind::close)
      watch_close(e, p, **t);
    auto seen = p.predictor().observe(**t, e, p.device_index(e.device), scratch_,
                                      board_ ? &scoring : nullptr, tr,
                                      may_ask ? &request : nullptr);
    learned_uses_ += seen.learned_used ? 1 : 0;
    if (seen.used) {
      // Replayed uses rebuild the burst rate and re-flag what the crash
      // took from the ring (it is in memory only).
      use_outlook o{seen.probability, seen.confidence, p.events(),
                    p.predictor().model()->activity().events_per_day(
                      static_cast<double>(e.time_us) / 1e6)};
      p.watch().use(e, o, anomalies_);
    }
    if (seen.used && holds_wanted_ && !recovering_)
      request_hold(e, p, **t);
    if (seen.request) {
      request.tenant = e.tenant;
      request.user_key = std::hash<std::string>{}(key);
      auto& pending = infer_pending_[request.user_key];
      pending.profile = key;
      ++pending.out;
      ++infer_in_flight_;
      ++inference_requests_;
      infer_out_.push_back(std::move(request));
      request = learned::infer_request{};
    }
  }
  events_applied_ += events.size();
  unsaved_ = unsaved_ || !events.empty();
}

caf::error shard_state::checkpoint() {
  // A batch of its own: a checkpoint batch can reach megabytes, and a
  // member would keep that capacity for the shard's lifetime.
  storage::write_batch batch;
  sealed_.write_to(*db_, batch);
  tenants_->checkpoint(*db_, batch);
  for (auto& [key, p] : profiles_) {
    if (!p.dirty() && !p.predictor().dirty())
      continue;
    auto sep = key.find('\x1f');
    auto tenant = std::string_view(key).substr(0, sep);
    auto user = std::string_view(key).substr(sep + 1);
    if (p.dirty())
      p.checkpoint(*db_, batch, tenant, user);
    if (p.predictor().dirty())
      if (auto t = tenants_->get(*db_, tenant))
        p.predictor().checkpoint(*db_, batch, tenant, user, **t);
  }
  if (last_seq_ > 0)
    db_->log().truncate(batch, opts_.id, last_seq_);
  if (auto err = db_->write(batch))
    return err;
  sealed_.clear();
  tenants_->mark_clean();
  for (auto& [key, p] : profiles_) {
    p.mark_clean();
    p.predictor().mark_clean();
    p.close_idle_devices(watermark_us_ - profile::device_idle_us);
  }
  log_bytes_ = 0;
  unsaved_ = false;
  last_checkpoint_ = std::chrono::steady_clock::now();
  passivate_idle();
  fit_model_budget();
  return {};
}

void shard_state::fit_model_budget() {
  std::vector<std::pair<int64_t, profile*>> resident;
  uint64_t bytes = 0;
  for (auto& [key, p] : profiles_)
    if (p.predictor().resident()) {
      bytes += p.predictor().memory_bytes();
      resident.emplace_back(p.last_event_us(), &p);
    }
  constexpr uint64_t min_model_bytes = 1024; // a new user's model
  auto mean = resident.empty() ? min_model_bytes
                               : std::max(min_model_bytes, bytes / resident.size());
  model_limit_ = std::max<size_t>(16, opts_.model_memory_bytes / mean);
  resident_models_ = resident.size();
  if (bytes > opts_.model_memory_bytes) {
    std::sort(resident.begin(), resident.end(),
              [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& [t, p] : resident) {
      if (bytes <= opts_.model_memory_bytes)
        break;
      bytes -= p->predictor().memory_bytes();
      p->predictor().evict();
      --resident_models_;
    }
  }
  model_bytes_ = bytes;
}

void shard_state::passivate_idle() {
  // Only clean profiles leave memory: their state is exactly what storage
  // holds, so reactivating one later restores it unchanged.
  auto horizon = watermark_us_ - opts_.idle_passivation_us;
  for (auto i = profiles_.begin(); i != profiles_.end();) {
    if (!i->second.dirty() && i->second.last_event_us() < horizon)
      i = profiles_.erase(i);
    else
      ++i;
  }
}

void shard_state::tick(int64_t watermark_us) {
  watermark_us_ = std::max(watermark_us_, watermark_us);
  auto due = std::chrono::steady_clock::now() - last_checkpoint_
             >= opts_.checkpoint_interval;
  if (unsaved_ && due) {
    if (auto err = checkpoint())
      fprintf(stderr, "shard %u: checkpoint failed: %s\n", opts_.id,
              describe(err).c_str());
  } else if (!unsaved_ && due) {
    last_checkpoint_ = std::chrono::steady_clock::now();
    passivate_idle();
  }
}

caf::expected<user_summary> shard_state::summary(const std::string& tenant,
                                                 const std::string& user) {
  // Checkpoint first so that storage holds everything this shard knows.
  if (unsaved_)
    if (auto err = checkpoint())
      return err;
  user_summary out;
  out.tenant = tenant;
  out.user = user;
  auto key = key_of(tenant, user);
  out.resident = profiles_.count(key) > 0;
  profile stored;
  const profile* p = nullptr;
  if (auto i = profiles_.find(key); i != profiles_.end()) {
    p = &i->second;
  } else {
    auto loaded = profile::load(*db_, tenant, user);
    if (!loaded)
      return std::move(loaded.error());
    stored = std::move(*loaded);
    p = &stored;
  }
  out.found = p->events() > 0;
  out.events = p->events();
  out.first_event_us = p->first_event_us();
  out.last_event_us = p->last_event_us();
  out.devices = p->devices();
  switch (p->activity()) {
    case storage::activity_class::frequent: out.activity_class = "frequent"; break;
    case storage::activity_class::regular: out.activity_class = "regular"; break;
    case storage::activity_class::occasional: out.activity_class = "occasional"; break;
  }
  auto history = db_->series().range(tenant, user,
                                     std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max());
  if (!history)
    return std::move(history.error());
  out.stored_events = history->size();
  std::map<std::string, app_count> apps;
  std::map<std::string, std::pair<int64_t, std::string>> last_device; // per app
  for (auto& e : *history) {
    auto& a = apps[e.app];
    a.app = e.app;
    ++a.events;
    if (e.kind == event_kind::launch)
      ++a.launches;
    auto& d = last_device[e.app];
    if (e.time_us >= d.first)
      d = {e.time_us, e.device};
  }
  for (auto& [name, a] : apps)
    out.top_apps.push_back(a);
  std::sort(out.top_apps.begin(), out.top_apps.end(),
            [](const app_count& a, const app_count& b) {
              return a.events != b.events ? a.events > b.events : a.app < b.app;
            });
  if (out.top_apps.size() > 10)
    out.top_apps.resize(10);
  if (!out.found)
    return out;
  auto t = tenants_->get(*db_, tenant);
  if (!t)
    return std::move(t.error());
  std::unique_ptr<predict::user_model> stored_model;
  const predict::user_model* model = p->predictor().model();
  if (!model) {
    caf::error err;
    stored_model = profile_predictor::read(*db_, tenant, user, **t, err);
    if (err)
      return err;
    model = stored_model.get();
  }
  if (model)
    add_predictions(*model, **t, last_device, out);
  return out;
}

void shard_state::add_predictions(
  const predict::user_model& m, const tenant_models::tenant& t,
  const std::map<std::string, std::pair<int64_t, std::string>>& last_device,
  user_summary& out) {
  // Predict as of now (the shard's event time), on the device the user used
  // last; the session is unknown, so the model weighs both regimes.
  int64_t now_us = std::max(out.last_event_us, watermark_us_);
  std::string device;
  int64_t device_us = std::numeric_limits<int64_t>::min();
  for (auto& [app, d] : last_device)
    if (d.first > device_us) {
      device_us = d.first;
      device = d.second;
    }
  uint32_t device_index = 0;
  for (size_t i = 0; i < out.devices.size(); ++i)
    if (out.devices[i] == device)
      device_index = static_cast<uint32_t>(i + 1);
  predict::query q{static_cast<double>(now_us) / 1e6, device_index, 0};
  auto prediction = m.predict(t.model, q, 5);
  auto to_us = [](double s) { return static_cast<int64_t>(s * 1e6); };
  auto last_s = static_cast<double>(m.timing().last_time());
  if (prediction.window.valid() && m.timing().has_last()) {
    out.next_launch_from_us = to_us(last_s + prediction.window.lo);
    out.next_launch_to_us = to_us(last_s + prediction.window.hi);
  }
  out.latency_class = predict::to_string(m.activity().latency());
  for (auto& guess : prediction.top) {
    app_prediction ap;
    ap.app = std::string(t.name(guess.app));
    if (ap.app.empty())
      continue;
    ap.probability = guess.p;
    if (auto i = last_device.find(ap.app); i != last_device.end())
      ap.device = i->second.second;
    // Its own reuse rhythm where known, else the user's next launch.
    auto reuse = m.reuse_window(guess.app);
    auto last_launch = m.timing().last_launch(guess.app);
    if (reuse.valid() && last_launch > 0) {
      ap.window_from_us = to_us(last_launch + reuse.lo);
      ap.window_to_us = to_us(last_launch + reuse.hi);
    } else {
      ap.window_from_us = out.next_launch_from_us;
      ap.window_to_us = out.next_launch_to_us;
    }
    for (int k = 0; k < predict::metric_count; ++k) {
      auto metric = static_cast<predict::metric>(k);
      auto q3 = m.usage_of(t.model, guess.app, metric);
      if (q3.n == 0)
        continue;
      ap.usage.push_back({predict::metric_name(metric), q3.p50, q3.p90,
                          q3.p99, q3.n});
    }
    out.predictions.push_back(std::move(ap));
  }
}

caf::error shard_state::erase(const std::string& tenant,
                              const std::string& user) {
  // Checkpoint first: afterwards the log holds none of the user's events,
  // so a crash after the erasure cannot bring them back by replay.
  if (auto err = checkpoint())
    return err;
  profiles_.erase(key_of(tenant, user));
  return db_->erase_user(tenant, user);
}

shard_stats shard_state::stats() const {
  shard_stats s;
  s.shard = opts_.id;
  s.resident_profiles = profiles_.size();
  s.events_applied = events_applied_;
  s.log_bytes_since_checkpoint = log_bytes_;
  s.watermark_us = watermark_us_;
  for (auto& [key, p] : profiles_)
    s.resident_models += p.predictor().resident() ? 1 : 0;
  s.model_bytes = model_bytes_;
  s.models_reset = models_reset_;
  s.inference_requests = inference_requests_;
  s.inference_replies = inference_replies_;
  s.learned_uses = learned_uses_;
  s.inference_in_flight = infer_in_flight_;
  s.anomalies_flagged = anomalies_.flagged();
  return s;
}

void shard_state::request_hold(const usage_event& e, const profile& p,
                               const tenant_models::tenant& t) {
  // No data center holds below this; asking would only cost messages.
  constexpr double lowest_threshold = 0.3;
  auto& m = *p.predictor().model();
  double now_s = static_cast<double>(e.time_us) / 1e6;
  predict::query q{now_s, p.device_index(e.device), 0};
  auto next = m.predict(t.model, q, 1);
  if (next.top.empty() || next.confidence < lowest_threshold)
    return;
  auto app = next.top.front().app;
  auto p90 = [&](predict::metric k) {
    auto q3 = m.usage_of(t.model, app, k);
    return q3.n > 0 && std::isfinite(q3.p90) ? q3.p90 : 0.0;
  };
  hold_request r;
  r.resources = {p90(predict::metric::cpu), p90(predict::metric::memory),
                 p90(predict::metric::disk), p90(predict::metric::network),
                 p90(predict::metric::gpu)};
  if (r.resources.cpu_millicores <= 0 && r.resources.memory_mb <= 0)
    return; // never measured: nothing to know what to warm
  r.tenant = e.tenant;
  r.user = e.user;
  r.app = std::string(t.name(app));
  r.confidence = next.confidence;
  r.time_us = e.time_us;
  if (next.window.valid())
    r.until_us = e.time_us + static_cast<int64_t>(next.window.hi * 1e6);
  holds_out_.push_back(std::move(r));
  ++holds_requested_;
}

void shard_state::watch_close(const usage_event& e, const profile& p,
                              const tenant_models::tenant& t) {
  auto app = t.find(e.app);
  if (app == predict::no_app)
    return; // never used: no quantiles to exceed
  anomaly_watch::close(e, *p.predictor().model(), t.model, app, anomalies_);
}

std::vector<hold_request> shard_state::take_hold_requests() {
  return std::exchange(holds_out_, {});
}

std::vector<learned::infer_request> shard_state::take_inference_requests() {
  return std::exchange(infer_out_, {});
}

void shard_state::inference_done(uint64_t user_key,
                                 learned::sparse_prediction* reply) {
  auto i = infer_pending_.find(user_key);
  if (i == infer_pending_.end())
    return;
  --infer_in_flight_;
  inference_replies_ += reply ? 1 : 0;
  if (reply)
    if (auto p = profiles_.find(i->second.profile); p != profiles_.end())
      p->second.predictor().cache(std::move(*reply));
  if (--i->second.out == 0)
    infer_pending_.erase(i);
}

std::string shard_state::scores() const {
  std::string out;
  if (board_)
    board_->save(out);
  return out;
}

} // namespace prescient
