#include "shard_state.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "event_codec.hpp"
#include "prescient/actors/errc.hpp"

namespace prescient {

void shard_state::init(storage::db* db, shard_options opts) {
  db_ = db;
  opts_ = opts;
  last_checkpoint_ = std::chrono::steady_clock::now();
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
    for (auto& e : *events)
      if (auto p = activate(e.tenant, e.user); !p) {
        failure = std::move(p.error());
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
  for (auto& e : events)
    if (auto p = activate(e.tenant, e.user); !p)
      return make_error(actor_errc::storage_failure,
                        "cannot load the profile of user '" + e.user
                          + "': " + describe(p.error()));
  auto record = encode_batch(events);
  storage::write_batch batch;
  db_->log().append(batch, opts_.id, last_seq_ + 1, record);
  if (auto err = db_->write(batch))
    return make_error(actor_errc::storage_failure,
                      "write-ahead log write failed: " + describe(err));
  ++last_seq_;
  log_bytes_ += record.size();
  apply(events);
  if (log_bytes_ >= opts_.checkpoint_bytes)
    if (auto err = checkpoint())
      // The events are safe in the log; a failed checkpoint is retried on
      // the next tick, so the batch still succeeds.
      fprintf(stderr, "shard %u: checkpoint failed: %s\n", opts_.id,
              describe(err).c_str());
  return static_cast<uint32_t>(events.size());
}

void shard_state::apply(const event_batch& events) {
  for (auto& e : events) {
    auto& p = profiles_.find(key_of(e.tenant, e.user))->second;
    p.apply(e, sealed_);
    watermark_us_ = std::max(watermark_us_, e.time_us);
  }
  events_applied_ += events.size();
  unsaved_ = unsaved_ || !events.empty();
}

caf::error shard_state::checkpoint() {
  // A batch of its own: a checkpoint batch can reach megabytes, and a
  // member would keep that capacity for the shard's lifetime.
  storage::write_batch batch;
  sealed_.write_to(*db_, batch);
  for (auto& [key, p] : profiles_) {
    if (!p.dirty())
      continue;
    auto sep = key.find('\x1f');
    p.checkpoint(*db_, batch, std::string_view(key).substr(0, sep),
                 std::string_view(key).substr(sep + 1));
  }
  if (last_seq_ > 0)
    db_->log().truncate(batch, opts_.id, last_seq_);
  if (auto err = db_->write(batch))
    return err;
  sealed_.clear();
  for (auto& [key, p] : profiles_) {
    p.mark_clean();
    p.close_idle_devices(watermark_us_ - profile::device_idle_us);
  }
  log_bytes_ = 0;
  unsaved_ = false;
  last_checkpoint_ = std::chrono::steady_clock::now();
  passivate_idle();
  return {};
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
  for (auto& e : *history) {
    auto& a = apps[e.app];
    a.app = e.app;
    ++a.events;
    if (e.kind == event_kind::launch)
      ++a.launches;
  }
  for (auto& [name, a] : apps)
    out.top_apps.push_back(a);
  std::sort(out.top_apps.begin(), out.top_apps.end(),
            [](const app_count& a, const app_count& b) {
              return a.events != b.events ? a.events > b.events : a.app < b.app;
            });
  if (out.top_apps.size() > 10)
    out.top_apps.resize(10);
  return out;
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
  return s;
}

} // namespace prescient
