#include "prescient/learned/vocabulary.hpp"

#include "bytes.hpp"

namespace prescient::learned {

namespace {
constexpr char vocab_magic[8] = {'P', 'R', 'S', 'V', 'O', 'C', 'B', '1'};
constexpr uint32_t vocab_format = 1;
constexpr uint32_t max_name = 1u << 16;
const std::string empty_name;
} // namespace

vocabulary::vocabulary() { names_.emplace_back(); }

uint32_t vocabulary::id(std::string_view name) const {
  auto it = ids_.find(std::string(name));
  return it == ids_.end() ? unknown : it->second;
}

uint32_t vocabulary::add(std::string_view name) {
  if (name.empty()) return unknown;
  auto [it, inserted] = ids_.emplace(std::string(name), size());
  if (inserted) names_.emplace_back(name);
  return it->second;
}

const std::string& vocabulary::name(uint32_t id) const {
  return id < names_.size() ? names_[id] : empty_name;
}

std::string vocabulary::save() const {
  std::string out(vocab_magic, sizeof(vocab_magic));
  detail::put<uint32_t>(out, vocab_format);
  detail::put<uint32_t>(out, size() - 1);
  for (size_t i = 1; i < names_.size(); ++i) detail::put_str(out, names_[i]);
  detail::seal(out);
  return out;
}

std::optional<vocabulary> vocabulary::load(std::string_view bytes, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<vocabulary> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (bytes.size() < sizeof(vocab_magic) || bytes.substr(0, sizeof(vocab_magic)) != std::string_view(vocab_magic, sizeof(vocab_magic)))
    return fail("vocabulary: bad magic");
  if (!detail::unseal(bytes)) return fail("vocabulary: bad checksum");
  detail::reader r(bytes.substr(sizeof(vocab_magic)));
  uint32_t format = 0, n = 0;
  if (!r.get(format) || format != vocab_format) return fail("vocabulary: unsupported format");
  if (!r.get(n) || n > r.remaining() / sizeof(uint32_t)) return fail("vocabulary: bad count");
  vocabulary v;
  v.names_.reserve(size_t(n) + 1);
  std::string s;
  for (uint32_t i = 0; i < n; ++i) {
    if (!r.get_str(s, max_name)) return fail("vocabulary: truncated");
    if (s.empty() || v.add(s) != i + 1) return fail("vocabulary: empty or duplicate name");
  }
  if (r.remaining() != 0) return fail("vocabulary: trailing bytes");
  return v;
}

} // namespace prescient::learned
