// model_store: versioned learned-model blobs in the `default` family.
#include "prescient/storage/model_store.hpp"

#include "chunk_format.hpp"
#include "db_core.hpp"
#include "keys.hpp"

namespace prescient::storage {

using namespace detail;

namespace {

constexpr std::string_view model_prefix = "model/";
constexpr std::string_view seq_prefix = "modelseq/";

std::string tenant_prefix(std::string_view tenant) {
  std::string k{model_prefix};
  auto n = static_cast<uint16_t>(tenant.size() > 0xFFFF ? 0xFFFF : tenant.size());
  k.push_back(static_cast<char>(n >> 8));
  k.push_back(static_cast<char>(n & 0xFF));
  k.append(tenant.data(), n);
  return k;
}

std::string model_key(std::string_view tenant, uint64_t version) {
  auto k = tenant_prefix(tenant);
  for (int i = 7; i >= 0; --i)
    k.push_back(static_cast<char>((version >> (8 * i)) & 0xFF));
  return k;
}

/// Splits a model key into tenant and version; false if it does not parse.
bool parse_model_key(std::string_view key, std::string_view& tenant,
                     uint64_t& version) {
  key.remove_prefix(model_prefix.size());
  if (key.size() < 2)
    return false;
  size_t n = (static_cast<uint8_t>(key[0]) << 8) | static_cast<uint8_t>(key[1]);
  if (key.size() != 2 + n + 8)
    return false;
  tenant = key.substr(2, n);
  version = 0;
  for (size_t i = 2 + n; i < key.size(); ++i)
    version = (version << 8) | static_cast<uint8_t>(key[i]);
  return true;
}

std::string seq_key(std::string_view tenant) {
  std::string k{seq_prefix};
  k.append(tenant.data(), tenant.size());
  return k;
}

} // namespace

void model_store::put(write_batch& batch, std::string_view tenant,
                      uint64_t version, std::string_view blob) {
  batch.native().batch.Put(core_->id(cf_default), model_key(tenant, version),
                           to_slice(blob));
}

void model_store::erase(write_batch& batch, std::string_view tenant,
                        uint64_t version) {
  batch.native().batch.Delete(core_->id(cf_default), model_key(tenant, version));
}

caf::error model_store::scan(
  const std::function<void(std::string_view, uint64_t, std::string_view)>& fn) {
  if (core_->closed)
    return closed_error("model_store::scan");
  auto upper = prefix_successor(model_prefix);
  rocksdb::Slice up{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &up;
  std::unique_ptr<rocksdb::Iterator> it{
    core_->rdb->NewIterator(ro, core_->live(cf_default))};
  size_t bad_keys = 0;
  for (it->Seek(to_slice(model_prefix)); it->Valid(); it->Next()) {
    std::string_view tenant;
    uint64_t version = 0;
    if (!parse_model_key(to_view(it->key()), tenant, version)) {
      ++bad_keys;
      continue;
    }
    fn(tenant, version, to_view(it->value()));
  }
  if (!it->status().ok())
    return to_error(it->status(), "model_store::scan");
  if (bad_keys > 0)
    return make_error(storage_errc::corruption,
                      "model_store::scan: " + std::to_string(bad_keys)
                        + " unparseable key(s)");
  return {};
}

void model_store::set_last_version(write_batch& batch, std::string_view tenant,
                                   uint64_t version) {
  char buf[8];
  store_le(buf, version, 8);
  batch.native().batch.Put(core_->id(cf_default), seq_key(tenant),
                           rocksdb::Slice{buf, 8});
}

caf::expected<uint64_t> model_store::last_version(std::string_view tenant) {
  if (core_->closed)
    return closed_error("model_store::last_version");
  std::string value;
  auto st = core_->rdb->Get(rocksdb::ReadOptions{}, core_->live(cf_default),
                            seq_key(tenant), &value);
  if (st.IsNotFound())
    return uint64_t{0};
  if (!st.ok())
    return to_error(st, "model_store::last_version");
  if (value.size() != 8)
    return make_error(storage_errc::corruption,
                      "model_store::last_version: bad value size");
  return load_le(value.data(), 8);
}

} // namespace prescient::storage
