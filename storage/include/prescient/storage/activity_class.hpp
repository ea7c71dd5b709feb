// How active a user is; decides how long their time series is kept.
#pragma once

#include <cstdint>

namespace prescient::storage {

/// Retention class of a user, stored in every chunk header so that the
/// retention filter needs no profile lookup. A user who changes class keeps
/// the old class on chunks already written.
enum class activity_class : uint8_t {
  frequent = 0,   ///< kept longest (default 90 days)
  regular = 1,    ///< default 30 days
  occasional = 2, ///< default 7 days
};

constexpr int activity_class_count = 3;

} // namespace prescient::storage
