// Azure Functions 2019 (Shahrad et al.) read per app, for the models that
// need more than the event stream: the trigger types, the memory and the
// durations of each app.
//
//  invocations.csv  `HashOwner,HashApp[,HashFunction][,Trigger],<minutes>`;
//                   minute columns `1..1440`, `minute_1..` or any subset.
//  memory.csv       `[HashFunction,][HashOwner,]HashApp,...,AverageAllocatedMb,...`
//                   keyed per app or per function (an app's memory is then
//                   the largest of its functions').
//  durations.csv    `HashOwner,HashApp[,HashFunction],Average,Count,...` (ms).
//
// A malformed line throws trace_error("FILE:LINE: reason") unless skip_bad
// is set, in which case it is skipped and counted.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "prescient/traces/trace_reader.hpp"

namespace prescient::traces {

struct azure_app {
  std::string owner, app;
  /// Distinct trigger types of the app's functions, sorted ("" when the file
  /// has no Trigger column).
  std::vector<std::string> triggers;
  /// (minute, invocations) for every minute with at least one invocation,
  /// increasing minutes; the app's functions summed (saturating at 2^32−1).
  /// 8 bytes a minute: a day of the full trace has tens of millions.
  std::vector<std::pair<std::int32_t, std::uint32_t>> minutes;
};

struct azure_invocations {
  /// The minute columns the file covers (inclusive), 1-based as in the header.
  int first_minute = 0, last_minute = 0;
  /// Apps in order of first appearance in the file.
  std::vector<azure_app> apps;
  std::uint64_t skipped = 0;
};

/// `path`: invocations.csv or the directory holding it. Throws trace_error.
azure_invocations read_azure_invocations(const std::string& path, read_options o = {});

/// Per-app figure keyed by (owner, app); owner is "" when the file has no
/// HashOwner column (look up with find_azure_app_value).
struct azure_app_values {
  std::map<std::pair<std::string, std::string>, double> by_app;
  bool keyed_by_owner = true;
  std::uint64_t skipped = 0;
};

/// memory.csv → AverageAllocatedMb per app (max over its functions). Throws trace_error.
azure_app_values read_azure_memory(const std::string& path, read_options o = {});
/// durations.csv → the invocation-weighted mean of `Average` (ms) per app. Throws trace_error.
azure_app_values read_azure_durations(const std::string& path, read_options o = {});
/// The value for (owner, app), or nullptr.
const double* find_azure_app_value(const azure_app_values& v, const std::string& owner,
                                   const std::string& app);

} // namespace prescient::traces
