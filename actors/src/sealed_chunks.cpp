#include "sealed_chunks.hpp"

namespace prescient {

void sealed_chunks::add(const storage::chunk_key& key, std::string_view encoded) {
  entries_.push_back({bytes_.size(), static_cast<uint32_t>(key.tenant.size()),
                      static_cast<uint32_t>(key.user.size()),
                      static_cast<uint32_t>(key.device.size()),
                      static_cast<uint32_t>(encoded.size()), key.bucket_start_us,
                      key.seq});
  bytes_.append(key.tenant).append(key.user).append(key.device).append(encoded);
}

void sealed_chunks::write_to(storage::db& db, storage::write_batch& batch) const {
  std::string_view all = bytes_;
  for (auto& e : entries_) {
    auto at = e.offset;
    storage::chunk_key key;
    key.tenant.assign(all.substr(at, e.tenant_len));
    at += e.tenant_len;
    key.user.assign(all.substr(at, e.user_len));
    at += e.user_len;
    key.device.assign(all.substr(at, e.device_len));
    at += e.device_len;
    key.bucket_start_us = e.bucket_start_us;
    key.seq = e.seq;
    db.series().put(batch, key, all.substr(at, e.chunk_len));
  }
}

void sealed_chunks::clear() {
  std::string().swap(bytes_);
  std::vector<entry>().swap(entries_);
}

} // namespace prescient
