#include "keys.hpp"

#include <rocksdb/slice_transform.h>

#include "prescient/storage/time_series.hpp"

namespace prescient::storage::detail {

namespace {

void append_id(std::string& out, std::string_view id) {
  // Ids are at most limits::max_id_bytes (256); u16 covers that with room.
  auto n = static_cast<uint16_t>(id.size() > 0xFFFF ? 0xFFFF : id.size());
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n & 0xFF));
  out.append(id.data(), n);
}

/// Reads one length-prefixed id at `pos`; advances pos.
std::optional<std::string_view> read_id(std::string_view key, size_t& pos) {
  if (key.size() - pos < 2)
    return std::nullopt;
  size_t n = (static_cast<uint8_t>(key[pos]) << 8)
             | static_cast<uint8_t>(key[pos + 1]);
  pos += 2;
  if (key.size() - pos < n)
    return std::nullopt;
  auto id = key.substr(pos, n);
  pos += n;
  return id;
}

uint64_t read_be(std::string_view s, size_t pos, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i)
    x = (x << 8) | static_cast<uint8_t>(s[pos + i]);
  return x;
}

void append_be(std::string& out, uint64_t x, size_t n) {
  for (size_t i = n; i > 0; --i)
    out.push_back(static_cast<char>((x >> (8 * (i - 1))) & 0xFF));
}

/// Length of the user prefix of a series key, 0 if it does not parse.
size_t user_prefix_len(std::string_view key) {
  size_t pos = 0;
  if (!read_id(key, pos) || !read_id(key, pos))
    return 0;
  return pos;
}

class user_prefix_transform final : public rocksdb::SliceTransform {
public:
  // The name is persisted in the OPTIONS file; changing it (or the layout)
  // makes existing prefix bloom filters unusable.
  const char* Name() const override {
    return "prescient.series_user_prefix.v1";
  }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), user_prefix_len({key.data(), key.size()})};
  }

  bool InDomain(const rocksdb::Slice& key) const override {
    return user_prefix_len({key.data(), key.size()}) > 0;
  }
};

} // namespace

std::string user_prefix(std::string_view tenant, std::string_view user) {
  std::string out;
  out.reserve(4 + tenant.size() + user.size());
  append_id(out, tenant);
  append_id(out, user);
  return out;
}

std::string device_prefix(std::string_view tenant, std::string_view user,
                          std::string_view device) {
  auto out = user_prefix(tenant, user);
  append_id(out, device);
  return out;
}

void append_time(std::string& out, int64_t time_us) {
  // Flipping the sign bit makes unsigned byte order match signed order.
  append_be(out, static_cast<uint64_t>(time_us) ^ (uint64_t{1} << 63), 8);
}

std::string encode_chunk_key(const chunk_key& key) {
  auto out = device_prefix(key.tenant, key.user, key.device);
  append_time(out, key.bucket_start_us);
  append_be(out, key.seq, 4);
  return out;
}

std::optional<chunk_key_view> parse_chunk_key(std::string_view key) {
  chunk_key_view v;
  size_t pos = 0;
  auto t = read_id(key, pos);
  auto u = t ? read_id(key, pos) : std::nullopt;
  auto d = u ? read_id(key, pos) : std::nullopt;
  if (!d || key.size() - pos != 12)
    return std::nullopt;
  v.tenant = *t;
  v.user = *u;
  v.device = *d;
  v.device_prefix_len = pos;
  v.bucket_start_us
    = static_cast<int64_t>(read_be(key, pos, 8) ^ (uint64_t{1} << 63));
  v.seq = static_cast<uint32_t>(read_be(key, pos + 8, 4));
  return v;
}

std::string prefix_successor(std::string_view prefix) {
  std::string out{prefix};
  while (!out.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(out.back());
    if (c != 0xFF) {
      ++c;
      return out;
    }
    out.pop_back();
  }
  return out;
}

std::string shard_key(uint16_t shard, uint64_t seq) {
  std::string out;
  out.reserve(10);
  append_be(out, shard, 2);
  append_be(out, seq, 8);
  return out;
}

std::shared_ptr<const rocksdb::SliceTransform> make_series_prefix_extractor() {
  return std::make_shared<user_prefix_transform>();
}

} // namespace prescient::storage::detail
