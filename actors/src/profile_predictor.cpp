#include "profile_predictor.hpp"

#include <cmath>

#include "prescient/storage/db.hpp"
#include "prescient/storage/profile_store.hpp"

namespace prescient {

namespace {

constexpr uint8_t blob_version = 1;

/// Folds the front end's 64-bit session id into the model's 32 bits (0
/// stays 0: unknown).
uint32_t session_of(uint64_t s) noexcept {
  auto folded = static_cast<uint32_t>(s ^ (s >> 32));
  return s != 0 && folded == 0 ? 1 : folded;
}

predict::usage usage_of(const usage_event& e) {
  predict::usage u;
  u.cpu_millicores = static_cast<float>(e.usage.cpu_millicores);
  u.memory_mb = static_cast<float>(e.usage.memory_mb);
  u.disk_iops = static_cast<float>(e.usage.disk_iops);
  u.network_mbps = static_cast<float>(e.usage.network_mbps);
  u.gpus = static_cast<float>(e.usage.gpus);
  u.duration_ms = e.duration_ms > 0 ? static_cast<float>(e.duration_ms) : NAN;
  return u;
}

std::unique_ptr<predict::user_model> decode(std::string_view blob,
                                            uint64_t identity) {
  predict::reader r(blob);
  if (r.u8() != blob_version || r.var() != identity || !r.ok())
    return nullptr;
  auto m = std::make_unique<predict::user_model>();
  if (!m->load(blob.substr(blob.size() - r.remaining())))
    return nullptr;
  return m;
}

} // namespace

bool profile_predictor::teaches(const usage_event& e) noexcept {
  return e.kind == event_kind::launch || e.kind == event_kind::request
         || e.kind == event_kind::close;
}

std::unique_ptr<predict::user_model>
profile_predictor::read(storage::db& db, std::string_view tenant,
                        std::string_view user, const tenant_models::tenant& t,
                        caf::error& err) {
  auto blob = db.profiles().get(tenant, user, storage::profile_part::model);
  if (!blob) {
    err = std::move(blob.error());
    return nullptr;
  }
  return *blob ? decode(**blob, t.identity) : nullptr;
}

caf::error profile_predictor::load(storage::db& db, std::string_view tenant,
                                   std::string_view user,
                                   const tenant_models::tenant& t, bool* reset) {
  if (model_)
    return {};
  auto blob = db.profiles().get(tenant, user, storage::profile_part::model);
  if (!blob)
    return std::move(blob.error());
  if (*blob)
    model_ = decode(**blob, t.identity);
  if (!model_) {
    if (*blob && reset)
      *reset = true;
    model_ = std::make_unique<predict::user_model>();
  }
  return {};
}

profile_predictor::observed profile_predictor::observe(tenant_models::tenant& t, const usage_event& e,
                                uint32_t device, predict::scored_set& scratch,
                                const scoring* score,
                                learned::app_translation* learned,
                                learned::infer_request* request) {
  observed out;
  if (!model_ || !teaches(e))
    return out;
  auto app = t.intern(e.app);
  if (!app)
    return out; // the tenant's dictionary is full
  if (e.kind == event_kind::close) {
    model_->observe_usage(t.model, *app, usage_of(e));
    dirty_ = t.dirty = true;
    return out;
  }
  double time_s = static_cast<double>(e.time_us) / 1e6;
  auto kind = e.kind == event_kind::launch ? predict::report_kind::launch
                                           : predict::report_kind::request;
  if (!uses_.is_use(kind, *app, device, time_s))
    return out;
  if (!learned)
    learned_.reset();
  else if (!learned_)
    learned_ = std::make_unique<learned_state>();
  learned::cached_external ext(learned_ && learned_->has_reply ? &learned_->reply : nullptr,
                               learned_ ? learned_->ring.position() : 0, learned);
  out.learned_used = ext.fresh();
  predict::query q{time_s, device, session_of(e.session)};
  if (score) {
    auto& timing = model_->timing();
    auto window = model_->next_window(t.model);
    model_->score(t.model, q, scratch, ext.get());
    predict::score_online(*model_, t.model, scratch, *app, score->components,
                          false, *score->board, score->first);
    if (timing.has_last()) {
      auto gap = std::max(0.0, time_s - timing.last_time());
      for (auto m = score->first; m < score->board->size(); ++m)
        score->board->timing(m, window, gap);
    }
  } else {
    model_->score(t.model, q, scratch, ext.get());
  }
  out.probability = model_->calibrated_prob(t.model, scratch, *app);
  out.confidence = scratch.conf;
  predict::event ev{time_s, *app, device, q.session, 1.0f};
  model_->observe(t.model, ev, nullptr, &scratch, ext.get());
  dirty_ = t.dirty = true;
  out.used = true;
  if (!learned_)
    return out;
  learned_->ring.push(time_s, *app, learned::device_code(e.device), e.session);
  learned_->has_reply = false;
  if (!request)
    return out;
  request->position = learned_->ring.position();
  learned_->ring.steps([&](uint32_t a) { return learned->to_model(a); },
                       request->steps);
  out.request = true;
  return out;
}

void profile_predictor::cache(learned::sparse_prediction&& reply) {
  if (!learned_ || reply.position != learned_->ring.position())
    return; // a newer use came first, or the model left memory
  learned_->reply = std::move(reply);
  learned_->has_reply = true;
}

void profile_predictor::checkpoint(storage::db& db, storage::write_batch& batch,
                                   std::string_view tenant, std::string_view user,
                                   const tenant_models::tenant& t) {
  if (!dirty_ || !model_)
    return;
  std::string blob;
  predict::writer w(blob);
  w.u8(blob_version);
  w.var(t.identity);
  model_->save(blob);
  db.profiles().put(batch, tenant, user, blob, storage::profile_part::model);
}

size_t profile_predictor::memory_bytes() const {
  size_t n = model_ ? model_->memory_bytes() : 0;
  if (learned_)
    n += sizeof(learned_state)
         + learned_->reply.apps.capacity() * sizeof(uint32_t)
         + learned_->reply.probs.capacity() * sizeof(float);
  return n;
}

} // namespace prescient
