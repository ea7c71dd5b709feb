// Spot capacity of one data center: its price series, a prediction of the
// price over a coming window, and the choice between spot and on-demand.
//
// The prediction is an upper bound from what is known at `from` (points
// after it are not yet known, even when the series holds them, so a replay
// never sees the future): the highest price of
//   - the recent level: the window's own length just before `from`
//     (persistence: spot prices move in steps and mostly stay put), and
//   - the same window one day earlier (seasonal naive: spot prices follow
//     the daily demand cycle, so yesterday's peak in this window is the
//     likely peak today).
// Spot is used only when that bound stays under the ceiling for the whole
// window: an instance on spot whose price rises above the ceiling would be
// reclaimed or overpaid, and a warm instance is worth having only if it
// stays warm until its claim.
#pragma once

#include <cstdint>

#include "prescient/actors/broker_actor.hpp"

namespace prescient {

/// Spot price in force at `time_us` (the latest point at or before it; the
/// first point's before the series starts; price_spot without a series).
double spot_price_at(const data_center_spec& dc, int64_t time_us);

/// Upper bound of the spot price over [from_us, to_us], predicted at from_us.
double spot_price_bound(const data_center_spec& dc, int64_t from_us, int64_t to_us);

/// True when capacity held over [from_us, to_us] goes on spot: a ceiling is
/// set, spot exists, and the predicted bound stays under the ceiling.
bool use_spot(const data_center_spec& dc, int64_t from_us, int64_t to_us);

/// Price per core-hour of capacity held over [from_us, to_us]: the spot
/// price now when use_spot, else on-demand.
double capacity_price(const data_center_spec& dc, int64_t from_us, int64_t to_us);

} // namespace prescient
