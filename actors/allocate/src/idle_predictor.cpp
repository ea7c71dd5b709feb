#include "prescient/allocate/idle_predictor.hpp"

namespace prescient::allocate {

void idle_predictor::add(double idle_minutes) {
  xs_.push_back(idle_minutes);
  if (xs_.size() > capacity_) xs_.pop_front();
}

double idle_predictor::predict() const {
  if (xs_.empty()) return 0;
  double best_level = xs_.back(), best_sse = -1;
  for (int k = 10; k >= 1; --k) {  // ties go to the larger α: with two points all fit alike, and the naive forecast is the sensible one
    const double alpha = k / 10.0;
    double level = xs_.front(), sse = 0;
    for (std::size_t i = 1; i < xs_.size(); ++i) {
      const double e = xs_[i] - level;
      sse += e * e;
      level += alpha * e;
    }
    if (best_sse < 0 || sse < best_sse) best_sse = sse, best_level = level;
  }
  return best_level;
}

} // namespace prescient::allocate
