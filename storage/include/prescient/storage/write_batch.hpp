// A batch of puts and deletes over any column families of one db, applied
// atomically by db::write. Build it with the stores' put/erase/append calls.
#pragma once

#include <cstddef>
#include <memory>

namespace prescient::storage {

/// Not thread-safe: one batch is filled by one thread at a time. Reusable
/// after db::write or clear(). Movable, not copyable; a moved-from batch
/// may only be assigned to or destroyed.
class write_batch {
public:
  struct impl; // wraps rocksdb::WriteBatch; defined in storage/src

  write_batch();
  ~write_batch();
  write_batch(write_batch&&) noexcept;
  write_batch& operator=(write_batch&&) noexcept;
  write_batch(const write_batch&) = delete;
  write_batch& operator=(const write_batch&) = delete;

  /// Number of operations (puts, deletes, range deletes) in the batch.
  size_t count() const;

  /// Serialized size in bytes, roughly what the WAL write costs.
  size_t bytes() const;

  /// Drops all operations; keeps the buffer for reuse.
  void clear();

  /// For storage internals only.
  impl& native() noexcept {
    return *impl_;
  }

private:
  std::unique_ptr<impl> impl_;
};

} // namespace prescient::storage
