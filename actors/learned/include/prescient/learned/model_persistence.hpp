#pragma once
// Published models in RocksDB (storage::model_store): one blob per tenant
// and version holding the weights, the vocabulary, the held-out figures and
// the training time, sealed with a checksum. No torch here.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>

#include "prescient/learned/model_registry.hpp"

namespace prescient::storage {
class db;
} // namespace prescient::storage

namespace prescient::learned {

/// The stored form of a published model.
std::string encode_published(const published_model& m);

/// nullptr (and *error set) for bytes that do not decode; never throws.
model_snapshot decode_published(std::string_view bytes, std::string* error = nullptr);

/// Writes `m` as the tenant's newest version, records the version counter
/// and drops the tenant's stored versions beyond the newest `keep` (>= 1),
/// in one atomic batch.
[[nodiscard]] caf::error persist_published(storage::db& db, const published_model& m,
                                           size_t keep = 3);

struct reload_report {
  size_t loaded = 0;                  ///< tenants whose model is now current
  std::vector<std::string> problems;  ///< one line per blob skipped, or a storage error
};

/// Publishes into `reg` every tenant's newest stored model that decodes; a
/// corrupt blob is reported and the next older version tried. Never throws.
reload_report reload_published(storage::db& db, model_registry& reg);

} // namespace prescient::learned
