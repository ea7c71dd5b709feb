// Bounded, decayed count tables: the building blocks of the online models.
//
// A `decayed_row` holds the (decayed) counts of what followed one context.
// Each update first multiplies every count by the row's decay factor, so the
// last few observations weigh most (IPAM-style: decay per update of the row,
// not per wall-clock time, so a user who pauses for a month keeps habits). A
// row keeps at most `cap` entries and evicts the smallest when full.
//
// Smoothing (Witten-Bell with decayed novelty): besides the total, a row
// keeps the decayed count of observations that were new to the row. The
// probability of `y` backs off to a lower-order distribution `lower`:
//     p(y) = (c(y) + nov * lower(y)) / (total + nov)
// so a row that keeps seeing new apps trusts its own counts little.
//
// Memory layout (these tables live in every resident user profile): an
// entry is 16-bit words: the app id (2 words) and one half-precision count
// per channel (stand-alone rows: one float count, 2 words) (a channel is one decay rate over the same contexts and apps:
// the fast and slow Markov models share keys, rows and apps), i.e. 6 bytes
// (8 with two channels). A `flat_table` keeps all rows of a context table in
// ONE word array, with a 24-32 byte header per row: no per-row heap block.
// Readers get a `row_view` (pointers into the table, valid until it changes).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "prescient/predict/types.hpp"

namespace prescient::predict {

/// IEEE half precision (11 significant bits) for stored counts: a decayed
/// count needs ~3 significant digits, not 7. Non-negative finite values;
/// saturates at 65504. Round to nearest.
inline std::uint16_t to_half(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  x &= 0x7fffffffu;                       // counts are >= 0
  if (x >= 0x477fe000u) return 0x7bff;    // saturate (and NaN)
  if (x < 0x38800000u) {                  // below 2^-14: subnormal half
    if (x < 0x33000000u) return 0;
    std::uint32_t m = (x & 0x7fffffu) | 0x800000u;
    unsigned shift = 126u - (x >> 23);
    return static_cast<std::uint16_t>((m + (1u << (shift - 1))) >> shift);
  }
  x += 0xfffu + ((x >> 13) & 1u);         // round to nearest even
  return static_cast<std::uint16_t>((x - 0x38000000u) >> 13);
}
inline float from_half(std::uint16_t h) {
  std::uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0) return float(m) * 5.9604644775390625e-8f;  // 2^-24
  std::uint32_t x = ((e + 112u) << 23) | (m << 13);
  float f;
  std::memcpy(&f, &x, sizeof f);
  return f;
}

/// Read-only view of one row (one channel): apps, counts, total, novelty.
/// A default view is an empty row (every probability backs off).
struct row_view {
  const std::uint16_t* p = nullptr;  ///< first entry
  std::uint32_t n = 0, stride = 3, ch = 0;  ///< ch: the channel's first word in an entry, - 2
  float total = 0, novel = 0;
  bool f32 = false;                  ///< counts are floats (2 words), not halves

  bool empty() const { return total <= 0; }
  app_id app(std::uint32_t i) const {
    auto q = p + std::size_t(i) * stride;
    return app_id(q[0]) | (app_id(q[1]) << 16);
  }
  float w(std::uint32_t i) const {
    auto q = p + std::size_t(i) * stride + 2;
    if (!f32) return from_half(q[ch]);
    float f;
    std::memcpy(&f, q + ch, sizeof f);
    return f;
  }
  float count(app_id a) const {
    for (std::uint32_t i = 0; i < n; ++i)
      if (app(i) == a) return w(i);
    return 0;
  }
};

namespace detail {
/// Count storage in 16-bit words: half precision (1 word) or float (2 words:
/// stand-alone rows, e.g. the tenant's, decay too slowly for halves).
template <bool F32> struct count_codec;
template <> struct count_codec<false> {
  static constexpr std::size_t words = 1;
  static float get(const std::uint16_t* q) { return from_half(*q); }
  static void set(std::uint16_t* q, float v) { *q = to_half(v); }
};
template <> struct count_codec<true> {
  static constexpr std::size_t words = 2;
  static float get(const std::uint16_t* q) { float f; std::memcpy(&f, q, sizeof f); return f; }
  static void set(std::uint16_t* q, float v) { std::memcpy(q, &v, sizeof v); }
};

/// Grows a small vector in small steps (rows are small and many).
template <class T> void grow(std::vector<T>& v, std::size_t by) {
  if (v.size() + by > v.capacity()) v.reserve(v.size() + by + v.size() / 4);
}

/// One decayed update of the row of `n` entries at `q` (stride 2 + C x words).
/// Returns true when `a` must be appended as a new entry (the caller does).
template <int C, bool F32 = false>
bool row_update(std::uint16_t* q, std::size_t n, float* total, float* novel, app_id a,
                const std::array<float, C>& decay, std::size_t cap, float amount) {
  using K = count_codec<F32>;
  constexpr std::size_t W = K::words, S = 2 + C * W;
  auto at = [&](std::size_t i, int c) { return q + i * S + 2 + std::size_t(c) * W; };
  for (int c = 0; c < C; ++c) {
    if (decay[c] < 1) {
      for (std::size_t i = 0; i < n; ++i) K::set(at(i, c), K::get(at(i, c)) * decay[c]);
      total[c] *= decay[c];
      novel[c] *= decay[c];
    }
    total[c] += amount;
  }
  const std::uint16_t lo = static_cast<std::uint16_t>(a), hi = static_cast<std::uint16_t>(a >> 16);
  for (std::size_t i = 0; i < n; ++i)
    if (q[i * S] == lo && q[i * S + 1] == hi) {
      for (int c = 0; c < C; ++c) K::set(at(i, c), K::get(at(i, c)) + amount);
      return false;
    }
  for (int c = 0; c < C; ++c) novel[c] += amount;
  if (n < cap) return true;
  std::size_t m = 0;
  float mw = 0;
  for (std::size_t i = 0; i < n; ++i) {  // evict the smallest (summed) count, first on ties
    float s = 0;
    for (int c = 0; c < C; ++c) s += K::get(at(i, c));
    if (i == 0 || s < mw) { mw = s; m = i; }
  }
  for (int c = 0; c < C; ++c) {
    total[c] -= K::get(at(m, c));
    if (total[c] < amount) total[c] = amount;
    K::set(at(m, c), amount);
  }
  q[m * S] = lo;
  q[m * S + 1] = hi;
  return false;
}

template <int C, bool F32 = false>
std::array<std::uint16_t, 2 + C * count_codec<F32>::words> new_entry(app_id a, float amount) {
  using K = count_codec<F32>;
  std::array<std::uint16_t, 2 + C * K::words> e;
  e[0] = static_cast<std::uint16_t>(a);
  e[1] = static_cast<std::uint16_t>(a >> 16);
  for (int c = 0; c < C; ++c) K::set(&e[2 + std::size_t(c) * K::words], amount);
  return e;
}
} // namespace detail

/// One stand-alone row (a user's app frequencies, a tenant transition row):
/// float counts, as tenant rows decay too slowly for half precision.
class decayed_row {
public:
  std::vector<std::uint16_t> d;  ///< entries: app (2 words), count (float, 2 words)
  float total = 0;
  float novel = 0;

  bool empty() const { return total <= 0; }
  std::size_t size() const { return d.size() / 4; }
  row_view view() const {
    return {d.data(), static_cast<std::uint32_t>(size()), 4, 0, total, novel, true};
  }

  float count(app_id a) const { return view().count(a); }

  /// Smoothed probability of `a` given the lower-order probability.
  double prob(app_id a, double lower_p) const {
    if (total <= 0) return lower_p;
    return (count(a) + novel * lower_p) / (total + novel);
  }
  /// Weight of the row's own counts vs the backoff: p = own*c/total + back*lower.
  double own_share() const { return total <= 0 ? 0.0 : total / (double(total) + novel); }

  void add(app_id a, float decay, std::size_t cap, float amount = 1) {
    if (detail::row_update<1, true>(d.data(), size(), &total, &novel, a, {decay}, cap, amount)) {
      auto e = detail::new_entry<1, true>(a, amount);
      detail::grow(d, e.size());
      d.insert(d.end(), e.begin(), e.end());
    }
  }

  /// The entry with the largest count (ties: smallest app id), or no_app.
  app_id argmax() const {
    auto v = view();
    app_id best = no_app;
    float bw = -1;
    for (std::uint32_t i = 0; i < v.n; ++i)
      if (v.w(i) > bw || (v.w(i) == bw && v.app(i) < best)) { bw = v.w(i); best = v.app(i); }
    return best;
  }

  std::size_t heap_bytes() const { return d.capacity() * sizeof(std::uint16_t); }

  void save(writer& wr) const {
    auto v = view();
    wr.f32(total); wr.f32(novel); wr.var(v.n);
    for (std::uint32_t i = 0; i < v.n; ++i) { wr.var(v.app(i)); wr.f32(v.w(i)); }
  }
  void load(reader& r) {
    total = r.f32(); novel = r.f32();
    auto n = r.count(1 << 16);
    d.clear();
    d.reserve(4 * n);
    for (std::size_t i = 0; i < n && r.ok(); ++i) {
      auto a = static_cast<app_id>(r.var());
      auto e = detail::new_entry<1, true>(a, r.f32());
      d.insert(d.end(), e.begin(), e.end());
    }
  }
};

/// Rows keyed by a 64-bit context key, `C` decay channels sharing the rows'
/// keys and apps; at most `max_rows` rows (the row with the smallest
/// age-discounted count is evicted, see add()) and `cap` apps per row (the
/// app with the smallest summed count is evicted). Linear scan: tables are small.
template <int C, bool F32 = false>
class flat_table {
public:
  using K = detail::count_codec<F32>;
  static constexpr std::uint32_t W = K::words;
  static constexpr std::uint32_t S = 2 + C * W;  ///< words per entry
  struct hdr {
    std::uint64_t key;
    std::uint32_t stamp;
    std::uint16_t off, n;  ///< the row's entries: [off, off + n) of d (in entries)
    std::array<float, C> total, novel;
  };
  static constexpr std::size_t max_entries = 0xffff;

  std::vector<hdr> rows;         ///< in the order of their entries
  std::vector<std::uint16_t> d;  ///< entries of all rows
  std::uint32_t clock = 0;

  int find(std::uint64_t key) const {
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i].key == key) return static_cast<int>(i);
    return -1;
  }
  row_view view(int r, int c = 0) const {
    if (r < 0) return {};
    auto& h = rows[static_cast<std::size_t>(r)];
    return {d.data() + std::size_t(h.off) * S, h.n, S, static_cast<std::uint32_t>(c) * W,
            h.total[c], h.novel[c], F32};
  }
  row_view find_view(std::uint64_t key, int c = 0) const { return view(find(key), c); }

  void add(std::uint64_t key, app_id a, const std::array<float, C>& decay, std::size_t cap,
           std::size_t max_rows, float amount = 1) {
    ++clock;
    int r = find(key);
    if (r < 0) {
      if (rows.size() >= max_rows && !rows.empty()) {
        // evict the least valuable row: its (slowest channel's) decayed
        // count, discounted by how long ago (in table updates, relative to
        // the table size) it was last used. Pure LRU would drop a habitual
        // context for a one-off one; pure LFU would keep stale habits forever.
        std::size_t victim = 0;
        double best = 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
          double age = double(clock - rows[i].stamp);
          double v = double(rows[i].total[C - 1]) / (1.0 + age / double(max_rows));
          if (i == 0 || v < best) { best = v; victim = i; }
        }
        erase_row(victim);
      }
      detail::grow(rows, 1);
      rows.push_back(hdr{key, clock, static_cast<std::uint16_t>(d.size() / S), 0, {}, {}});
      r = static_cast<int>(rows.size() - 1);
    }
    auto& h = rows[static_cast<std::size_t>(r)];
    h.stamp = clock;
    if (!detail::row_update<C, F32>(d.data() + std::size_t(h.off) * S, h.n, h.total.data(),
                               h.novel.data(), a, decay, cap, amount))
      return;
    if (d.size() / S >= max_entries) return;  // (cannot happen with sane caps)
    auto e = detail::new_entry<C, F32>(a, amount);
    detail::grow(d, S);
    d.insert(d.begin() + static_cast<std::ptrdiff_t>((std::size_t(h.off) + h.n) * S), e.begin(), e.end());
    ++h.n;
    for (std::size_t i = static_cast<std::size_t>(r) + 1; i < rows.size(); ++i) ++rows[i].off;
  }

  std::size_t entries() const { return d.size() / S; }
  std::size_t heap_bytes() const {
    return rows.capacity() * sizeof(hdr) + d.capacity() * sizeof(std::uint16_t);
  }

  void save(writer& wr) const {
    wr.var(clock); wr.var(rows.size());
    for (auto& h : rows) {
      wr.var(h.key); wr.var(h.stamp);
      for (int c = 0; c < C; ++c) { wr.f32(h.total[c]); wr.f32(h.novel[c]); }
      wr.var(h.n);
      const std::uint16_t* q = d.data() + std::size_t(h.off) * S;
      for (std::size_t i = 0; i < h.n; ++i, q += S) {
        wr.var(app_id(q[0]) | (app_id(q[1]) << 16));
        for (std::size_t j = 2; j < S; ++j) { wr.u8(std::uint8_t(q[j])); wr.u8(std::uint8_t(q[j] >> 8)); }
      }
    }
  }
  void load(reader& r) {
    clock = static_cast<std::uint32_t>(r.var());
    auto n = r.count(1 << 16);
    rows.assign(n, hdr{});
    d.clear();
    for (auto& h : rows) {
      if (!r.ok()) break;
      h.key = r.var();
      h.stamp = static_cast<std::uint32_t>(r.var());
      for (int c = 0; c < C; ++c) { h.total[c] = r.f32(); h.novel[c] = r.f32(); }
      auto k = r.count(1 << 16);
      if (d.size() / S + k > max_entries) { r.fail(); break; }
      h.off = static_cast<std::uint16_t>(d.size() / S);
      h.n = static_cast<std::uint16_t>(k);
      for (std::size_t i = 0; i < k && r.ok(); ++i) {
        auto a = static_cast<app_id>(r.var());
        d.push_back(static_cast<std::uint16_t>(a));
        d.push_back(static_cast<std::uint16_t>(a >> 16));
        for (std::size_t j = 2; j < S; ++j) {
          std::uint16_t lo = r.u8(), hi = r.u8();
          d.push_back(static_cast<std::uint16_t>(lo | (hi << 8)));
        }
      }
    }
    if (!r.ok()) { rows.clear(); d.clear(); }
    rows.shrink_to_fit();
    d.shrink_to_fit();
  }

private:
  void erase_row(std::size_t r) {
    const std::size_t b = rows[r].off, k = rows[r].n;
    d.erase(d.begin() + static_cast<std::ptrdiff_t>(b * S), d.begin() + static_cast<std::ptrdiff_t>((b + k) * S));
    for (std::size_t i = r + 1; i < rows.size(); ++i) rows[i].off = static_cast<std::uint16_t>(rows[i].off - k);
    rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(r));
  }
};

} // namespace prescient::predict
