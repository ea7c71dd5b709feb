#include "spot_market.hpp"

#include <algorithm>

namespace prescient {

namespace {

constexpr int64_t day_us = 24LL * 3600 * 1'000'000;

bool has_spot(const data_center_spec& dc) {
  return !dc.spot_prices.empty() || dc.price_spot > 0;
}

/// Highest price in force at any time in [from_us, to_us], from the points
/// at or before `known_us` only.
double max_over(const data_center_spec& dc, int64_t from_us, int64_t to_us,
                int64_t known_us) {
  auto& s = dc.spot_prices;
  double out = spot_price_at(dc, std::min(from_us, known_us));
  auto after = [](int64_t t, const spot_price& p) { return t < p.time_us; };
  auto i = std::upper_bound(s.begin(), s.end(), from_us, after);
  for (; i != s.end() && i->time_us <= std::min(to_us, known_us); ++i)
    out = std::max(out, i->price);
  return out;
}

} // namespace

double spot_price_at(const data_center_spec& dc, int64_t time_us) {
  auto& s = dc.spot_prices;
  if (s.empty())
    return dc.price_spot;
  auto after = [](int64_t t, const spot_price& p) { return t < p.time_us; };
  auto i = std::upper_bound(s.begin(), s.end(), time_us, after);
  return i == s.begin() ? s.front().price : std::prev(i)->price;
}

double spot_price_bound(const data_center_spec& dc, int64_t from_us, int64_t to_us) {
  auto window = std::max<int64_t>(to_us - from_us, 0);
  return std::max(max_over(dc, from_us - window, from_us, from_us),
                  max_over(dc, from_us - day_us, to_us - day_us, from_us));
}

bool use_spot(const data_center_spec& dc, int64_t from_us, int64_t to_us) {
  return dc.spot_ceiling > 0 && has_spot(dc)
         && spot_price_bound(dc, from_us, to_us) < dc.spot_ceiling;
}

double capacity_price(const data_center_spec& dc, int64_t from_us, int64_t to_us) {
  return use_spot(dc, from_us, to_us) ? spot_price_at(dc, from_us)
                                      : dc.price_on_demand;
}

} // namespace prescient
