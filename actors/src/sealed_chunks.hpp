// Chunks a shard has sealed since its last checkpoint, waiting to be
// written with it. Their bytes (keys included) go into one growing buffer
// per shard instead of one allocation each: sealed chunks live for seconds
// between long-lived profile allocations, and thousands of small buffers
// would leave the heap full of holes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "prescient/storage/db.hpp"

namespace prescient {

class sealed_chunks {
public:
  void add(const storage::chunk_key& key, std::string_view encoded);

  /// Adds a put of every chunk to `batch`.
  void write_to(storage::db& db, storage::write_batch& batch) const;

  /// Forgets every chunk and gives the buffer back.
  void clear();

  size_t size() const noexcept {
    return entries_.size();
  }

private:
  struct entry {
    size_t offset;
    uint32_t tenant_len;
    uint32_t user_len;
    uint32_t device_len;
    uint32_t chunk_len;
    int64_t bucket_start_us;
    uint32_t seq;
  };
  std::string bytes_;
  std::vector<entry> entries_;
};

} // namespace prescient
