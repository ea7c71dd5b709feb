// Online calibration of a top-1 confidence.
//
// Histogram binning with isotonic (PAV) smoothing, updated online: raw
// confidences fall into `bins` equal-width bins; each keeps a decayed count of
// predictions and hits. The calibrated value of a bin is its hit rate, shrunk
// toward the raw bin centre by a small prior (so an empty bin maps to itself),
// then made monotone across bins with pool-adjacent-violators (piecewise
// constant, as histogram binning). Decay lets it follow drift.
#pragma once

#include <array>

#include "prescient/predict/types.hpp"

namespace prescient::predict {

class calibrator {
public:
  static constexpr int bins = 20;

  /// Calibrated probability for raw confidence `p` in [0,1].
  double apply(double p) const;
  /// One outcome: raw confidence `p`, whether the prediction was right.
  void update(double p, bool hit);
  double observations() const;

  void save(writer& w) const;
  void load(reader& r);

  float decay = 0.9995f;  ///< per update; ~2000 recent outcomes matter
  float prior = 2.0f;     ///< pseudo-observations at the bin centre

private:
  void refit() const;
  std::array<float, bins> n_{}, hits_{};
  mutable std::array<float, bins> fit_{};
  mutable bool dirty_ = true;
};

} // namespace prescient::predict
