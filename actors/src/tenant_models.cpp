#include "tenant_models.hpp"

#include <random>

#include "prescient/storage/db.hpp"
#include "prescient/storage/errc.hpp"
#include "prescient/storage/profile_store.hpp"

namespace prescient {

namespace {

constexpr uint8_t blob_version = 1;

uint64_t fresh_identity() {
  std::random_device rd;
  uint64_t id = (uint64_t{rd()} << 32) | rd();
  return id == 0 ? 1 : id;
}

} // namespace

std::optional<predict::app_id> tenant_models::tenant::intern(std::string_view app) {
  if (auto id = find(app); id != predict::no_app)
    return id;
  if (app_names.size() >= max_apps)
    return std::nullopt;
  auto id = static_cast<predict::app_id>(app_names.size());
  app_names.emplace_back(app);
  app_ids.emplace(app_names.back(), id);
  dirty = true;
  return id;
}

predict::app_id tenant_models::tenant::find(std::string_view app) const {
  auto i = app_ids.find(std::string(app));
  return i == app_ids.end() ? predict::no_app : i->second;
}

std::string_view tenant_models::tenant::name(predict::app_id id) const {
  return id < app_names.size() ? std::string_view(app_names[id]) : std::string_view();
}

learned::app_translation*
tenant_models::tenant::translate(const learned::model_snapshot& current) {
  if (!current) {
    translation.reset();
    return nullptr;
  }
  if (!translation || translation->version() != current->version)
    translation.emplace(current, *this);
  return &*translation;
}

std::string tenant_models::key() const {
  // A user id cannot hold control characters, so this never names a user.
  return "\x01tenant-models/" + std::to_string(shard_);
}

caf::expected<tenant_models::tenant*>
tenant_models::get(storage::db& db, std::string_view tenant_id) {
  if (auto i = tenants_.find(std::string(tenant_id)); i != tenants_.end())
    return i->second.get();
  auto t = std::make_unique<tenant>();
  auto blob = db.profiles().get(tenant_id, key());
  if (!blob)
    return std::move(blob.error());
  if (*blob) {
    predict::reader r(**blob);
    if (r.u8() != blob_version)
      r.fail();
    t->identity = r.var();
    auto n = r.count(max_apps);
    for (size_t i = 0; i < n && r.ok(); ++i) {
      auto len = r.count((*blob)->size());
      std::string name;
      for (size_t k = 0; k < len && r.ok(); ++k)
        name.push_back(static_cast<char>(r.u8()));
      t->app_ids.emplace(name, static_cast<predict::app_id>(i));
      t->app_names.push_back(std::move(name));
    }
    auto model_len = r.count((*blob)->size());
    auto rest = std::string_view(**blob).substr((*blob)->size() - r.remaining());
    if (!r.ok() || model_len != rest.size() || t->identity == 0
        || !t->model.load(rest))
      return storage::make_error(storage::storage_errc::corruption,
                                 "tenant models of tenant '" + std::string(tenant_id)
                                   + "' (shard " + std::to_string(shard_)
                                   + ") are unreadable");
  } else {
    t->identity = fresh_identity();
    t->dirty = true;
  }
  auto* out = t.get();
  tenants_.emplace(std::string(tenant_id), std::move(t));
  return out;
}

void tenant_models::checkpoint(storage::db& db, storage::write_batch& batch) {
  std::string blob, model;
  for (auto& [id, t] : tenants_) {
    if (!t->dirty)
      continue;
    blob.clear();
    model.clear();
    predict::writer w(blob);
    w.u8(blob_version);
    w.var(t->identity);
    w.var(t->app_names.size());
    for (auto& n : t->app_names) {
      w.var(n.size());
      blob += n;
    }
    t->model.save(model);
    w.var(model.size());
    blob += model; // last, so the reader takes the tail
    db.profiles().put(batch, id, key(), blob);
  }
}

void tenant_models::mark_clean() {
  for (auto& [id, t] : tenants_)
    t->dirty = false;
}

} // namespace prescient
