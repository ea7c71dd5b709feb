// Errors of the storage module. Every fallible call returns caf::error or
// caf::expected<T> built from storage_errc; RocksDB's Status never leaves
// storage/src, so callers depend only on this enum.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>

namespace prescient::storage {

/// Error codes of category atom("storage"). Values are stable: they cross
/// nodes inside caf::error.
enum class storage_errc : uint8_t {
  /// The file system or RocksDB failed to read or write (disk full, I/O
  /// error, lock held by another process). Retrying may help.
  io_error = 1,
  /// Stored bytes do not decode: a truncated or garbled chunk or key, or a
  /// RocksDB checksum mismatch. Retrying does not help.
  corruption,
  /// The caller passed something unusable (empty path, bad option value).
  invalid_argument,
  /// A required entry does not exist.
  not_found,
  /// The database was closed; open a new one.
  closed,
};

/// "io_error", "corruption", ...
std::string to_string(storage_errc code);

/// Builds caf::error{code, atom("storage"), make_message(what)}. `what` is a
/// one-line human-readable context (which call, which key).
caf::error make_error(storage_errc code, std::string what = {});

/// Registers a renderer for the "storage" category so that to_string of a
/// storage error prints "storage_errc::corruption(...)" in logs and across
/// nodes. Call once while building the actor system config.
void add_storage_error_category(caf::actor_system_config& cfg);

} // namespace prescient::storage
