#pragma once
// App vocabulary: app name <-> dense id. Id 0 is reserved for "unknown" (and
// padding); real apps get 1, 2, ... in order of first insertion.
//
// Keep it APPEND-ONLY across retrainings: a model trained when the vocabulary
// had N ids treats every id >= N as unknown, so older models stay valid while
// the vocabulary grows. Not thread-safe for writes (the owner serialises).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace prescient::learned {

class vocabulary {
public:
  static constexpr uint32_t unknown = 0;

  vocabulary();

  /// Id of `name`, or 0 when absent.
  uint32_t id(std::string_view name) const;
  /// Id of `name`, inserting it when absent.
  uint32_t add(std::string_view name);
  /// Name of `id`; "" for 0 and for ids out of range.
  const std::string& name(uint32_t id) const;
  /// Number of ids including 0 (pass this as vocab_size to train()).
  uint32_t size() const { return static_cast<uint32_t>(names_.size()); }

  /// Versioned binary format (magic, count, length-prefixed names, checksum).
  std::string save() const;
  /// nullopt on bad bytes (never throws on malformed input).
  static std::optional<vocabulary> load(std::string_view bytes, std::string* error = nullptr);

private:
  std::vector<std::string> names_;   // names_[0] == ""
  std::unordered_map<std::string, uint32_t> ids_;
};

} // namespace prescient::learned
