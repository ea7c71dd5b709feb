#pragma once
// Little helpers for the binary formats (little-endian hosts).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace prescient::learned::detail {

inline uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) { h ^= c; h *= 1099511628211ull; }
  return h;
}

template <class T> void put(std::string& out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

inline void put_str(std::string& out, std::string_view s) {
  put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s.data(), s.size());
}

/// Bounds-checked reader: every get fails (returns false) past the end.
class reader {
public:
  explicit reader(std::string_view b) : b_(b) {}
  template <class T> bool get(T& v) {
    if (b_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool get_str(std::string& s, uint32_t max_len) {
    uint32_t n = 0;
    if (!get(n) || n > max_len || b_.size() - pos_ < n) return false;
    s.assign(b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool get_bytes(void* dst, size_t n) {
    if (b_.size() - pos_ < n) return false;
    std::memcpy(dst, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t remaining() const { return b_.size() - pos_; }
private:
  std::string_view b_;
  size_t pos_ = 0;
};

/// Appends the checksum of everything written so far.
inline void seal(std::string& out) { put<uint64_t>(out, fnv1a(out)); }

/// Checks and strips the trailing checksum; false when absent or wrong.
inline bool unseal(std::string_view& bytes) {
  if (bytes.size() < sizeof(uint64_t)) return false;
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - sizeof(uint64_t), sizeof(uint64_t));
  bytes.remove_suffix(sizeof(uint64_t));
  return fnv1a(bytes) == stored;
}

} // namespace prescient::learned::detail
