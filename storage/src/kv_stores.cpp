// profile_store and ledger_store: thin key/value wrappers.
#include "db_core.hpp"
#include "keys.hpp"
#include "prescient/storage/ledger_store.hpp"
#include "prescient/storage/profile_store.hpp"

namespace prescient::storage {

using namespace detail;

namespace {

std::string profile_key(std::string_view tenant, std::string_view user,
                        profile_part part) {
  auto key = user_prefix(tenant, user);
  if (part == profile_part::model)
    key.push_back('m');
  return key;
}

} // namespace

void profile_store::put(write_batch& batch, std::string_view tenant,
                        std::string_view user, std::string_view blob,
                        profile_part part) {
  batch.native().batch.Put(core_->id(cf_profile),
                           profile_key(tenant, user, part), to_slice(blob));
}

void profile_store::erase(write_batch& batch, std::string_view tenant,
                          std::string_view user) {
  for (auto part : {profile_part::state, profile_part::model})
    batch.native().batch.Delete(core_->id(cf_profile),
                                profile_key(tenant, user, part));
}

caf::expected<std::optional<std::string>>
profile_store::get(std::string_view tenant, std::string_view user,
                   profile_part part) {
  if (core_->closed)
    return closed_error("profile_store::get");
  std::string value;
  auto st = core_->rdb->Get(rocksdb::ReadOptions{}, core_->live(cf_profile),
                            profile_key(tenant, user, part), &value);
  if (st.IsNotFound())
    return std::optional<std::string>{};
  if (!st.ok())
    return to_error(st, "profile_store::get");
  return std::optional<std::string>{std::move(value)};
}

void ledger_store::put(write_batch& batch, std::string_view key,
                       std::string_view value) {
  batch.native().batch.Put(core_->id(cf_ledger), to_slice(key),
                           to_slice(value));
}

void ledger_store::erase(write_batch& batch, std::string_view key) {
  batch.native().batch.Delete(core_->id(cf_ledger), to_slice(key));
}

caf::error ledger_store::scan(
  std::string_view prefix,
  const std::function<void(std::string_view, std::string_view)>& fn) {
  if (core_->closed)
    return closed_error("ledger_store::scan");
  auto upper = prefix_successor(prefix);
  rocksdb::Slice up{upper};
  rocksdb::ReadOptions ro;
  if (!upper.empty()) // empty: no successor, scan to the end
    ro.iterate_upper_bound = &up;
  std::unique_ptr<rocksdb::Iterator> it{
    core_->rdb->NewIterator(ro, core_->live(cf_ledger))};
  for (it->Seek(to_slice(prefix)); it->Valid(); it->Next())
    fn(to_view(it->key()), to_view(it->value()));
  if (!it->status().ok())
    return to_error(it->status(), "ledger_store::scan");
  return {};
}

} // namespace prescient::storage
