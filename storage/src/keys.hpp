// Internal: key layouts of the column families (see time_series.hpp and
// shard_log.hpp for the contracts) and the prefix extractor of `series`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rocksdb {
class SliceTransform;
} // namespace rocksdb

namespace prescient::storage {
struct chunk_key;
} // namespace prescient::storage

namespace prescient::storage::detail {

/// u16 BE length + tenant, u16 BE length + user. Also the profile key.
std::string user_prefix(std::string_view tenant, std::string_view user);

/// user_prefix + u16 BE length + device.
std::string device_prefix(std::string_view tenant, std::string_view user,
                          std::string_view device);

/// Appends the 8-byte order-preserving form of a signed time.
void append_time(std::string& out, int64_t time_us);

/// Full series key.
std::string encode_chunk_key(const chunk_key& key);

/// Views into a series key (valid while the key bytes live).
struct chunk_key_view {
  std::string_view tenant, user, device;
  int64_t bucket_start_us = 0;
  uint32_t seq = 0;
  size_t device_prefix_len = 0; ///< bytes up to and including device
};

std::optional<chunk_key_view> parse_chunk_key(std::string_view key);

/// The smallest key greater than every key starting with `prefix`; empty if
/// there is none (prefix all 0xFF).
std::string prefix_successor(std::string_view prefix);

/// shard (2 B BE) + seq (8 B BE).
std::string shard_key(uint16_t shard, uint64_t seq);

/// Extracts user_prefix from series keys, so prefix bloom filters and
/// prefix_same_as_start iterators work per user.
std::shared_ptr<const rocksdb::SliceTransform> make_series_prefix_extractor();

} // namespace prescient::storage::detail
