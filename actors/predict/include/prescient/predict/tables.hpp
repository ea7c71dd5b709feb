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
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "prescient/predict/types.hpp"

namespace prescient::predict {

struct row_entry {
  app_id app;
  float w;
};

class decayed_row {
public:
  std::vector<row_entry> e;
  float total = 0;
  float novel = 0;

  bool empty() const { return total <= 0; }

  float count(app_id a) const {
    for (auto& x : e)
      if (x.app == a) return x.w;
    return 0;
  }

  /// Smoothed probability of `a` given the lower-order probability.
  double prob(app_id a, double lower_p) const {
    if (total <= 0) return lower_p;
    return (count(a) + novel * lower_p) / (total + novel);
  }
  /// Weight of the row's own counts vs the backoff: p = own*c/total + back*lower.
  double own_share() const { return total <= 0 ? 0.0 : total / (double(total) + novel); }

  void add(app_id a, float decay, std::size_t cap, float amount = 1) {
    if (decay < 1) {
      for (auto& x : e) x.w *= decay;
      total *= decay;
      novel *= decay;
    }
    total += amount;
    for (auto& x : e)
      if (x.app == a) { x.w += amount; return; }
    novel += amount;
    if (e.size() >= cap) {
      auto m = std::min_element(e.begin(), e.end(),
                                [](auto& l, auto& r) { return l.w < r.w; });
      total -= m->w;
      if (total < amount) total = amount;
      *m = row_entry{a, amount};
    } else {
      e.push_back(row_entry{a, amount});
    }
  }

  /// The entry with the largest count (ties: smallest app id), or no_app.
  app_id argmax() const {
    app_id best = no_app;
    float bw = -1;
    for (auto& x : e)
      if (x.w > bw || (x.w == bw && x.app < best)) { bw = x.w; best = x.app; }
    return best;
  }

  void save(writer& w) const {
    w.f32(total); w.f32(novel); w.var(e.size());
    for (auto& x : e) { w.var(x.app); w.f32(x.w); }
  }
  void load(reader& r) {
    total = r.f32(); novel = r.f32();
    auto n = r.count(1 << 16);
    e.resize(n);
    for (auto& x : e) { x.app = static_cast<app_id>(r.var()); x.w = r.f32(); }
  }
};

/// Rows keyed by a 64-bit context key; at most `max_rows` rows, the least
/// recently updated row is evicted. Linear scan: tables are small.
class context_table {
public:
  struct slot {
    std::uint64_t key;
    std::uint32_t stamp;
    decayed_row row;
  };
  std::vector<slot> rows;
  std::uint32_t clock = 0;

  const decayed_row* find(std::uint64_t key) const {
    for (auto& s : rows)
      if (s.key == key) return &s.row;
    return nullptr;
  }

  void add(std::uint64_t key, app_id a, float decay, std::size_t cap,
           std::size_t max_rows, float amount = 1) {
    ++clock;
    for (auto& s : rows)
      if (s.key == key) { s.stamp = clock; s.row.add(a, decay, cap, amount); return; }
    if (rows.size() >= max_rows) {
      auto old = std::min_element(rows.begin(), rows.end(),
                                  [](auto& l, auto& r) { return l.stamp < r.stamp; });
      old->key = key;
      old->stamp = clock;
      old->row = decayed_row{};
      old->row.add(a, decay, cap, amount);
      return;
    }
    rows.push_back(slot{key, clock, {}});
    rows.back().row.add(a, decay, cap, amount);
  }

  std::size_t entries() const {
    std::size_t n = 0;
    for (auto& s : rows) n += s.row.e.size();
    return n;
  }

  void save(writer& w) const {
    w.var(clock); w.var(rows.size());
    for (auto& s : rows) { w.var(s.key); w.var(s.stamp); s.row.save(w); }
  }
  void load(reader& r) {
    clock = static_cast<std::uint32_t>(r.var());
    auto n = r.count(1 << 16);
    rows.resize(n);
    for (auto& s : rows) {
      s.key = r.var();
      s.stamp = static_cast<std::uint32_t>(r.var());
      s.row.load(r);
    }
  }
};

} // namespace prescient::predict
