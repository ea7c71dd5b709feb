// `allocate` input: Azure Functions 2019 files → allocate::trace.
#include <algorithm>
#include <unordered_map>

#include "allocate_run.hpp"
#include "prescient/traces/azure.hpp"

namespace prescient::replay {

allocate::trace read_allocate_input(const std::string& invocations, const std::string& memory,
                                    const std::string& durations, bool skip_bad, input_stats& stats) {
  const traces::read_options o{skip_bad};
  auto inv = traces::read_azure_invocations(invocations, o);
  auto mem = traces::read_azure_memory(memory, o);
  stats.skipped = inv.skipped + mem.skipped;
  if (!durations.empty()) {
    // The minute model does not use durations; they are read so that a bad
    // file is reported, and counted.
    auto dur = traces::read_azure_durations(durations, o);
    stats.skipped += dur.skipped;
    for (auto& a : inv.apps)
      if (traces::find_azure_app_value(dur, a.owner, a.app)) ++stats.durations;
  }
  allocate::trace t;
  t.first_minute = inv.first_minute;
  t.last_minute = inv.last_minute;
  std::unordered_map<std::string, std::uint32_t> owners;
  std::vector<double> known;
  t.apps.reserve(inv.apps.size());
  for (auto& a : inv.apps) {
    allocate::app_trace at;
    at.info.owner = owners.emplace(a.owner, static_cast<std::uint32_t>(owners.size())).first->second;
    for (auto& tr : a.triggers) at.info.trigger += (at.info.trigger.empty() ? "" : "+") + tr;
    const double* mb = traces::find_azure_app_value(mem, a.owner, a.app);
    at.info.memory_mb = mb ? *mb : -1;
    if (mb) known.push_back(*mb);
    at.minutes = std::move(a.minutes);
    t.apps.push_back(std::move(at));
  }
  // An app without a memory row is given the median of the others, so that
  // it still counts (and is counted in the stats).
  double median = 0;
  if (!known.empty()) {
    std::sort(known.begin(), known.end());
    median = known[(known.size() - 1) / 2];
  }
  for (auto& a : t.apps)
    if (a.info.memory_mb < 0) {
      a.info.memory_mb = median;
      ++stats.memory_defaulted;
    }
  return t;
}

} // namespace prescient::replay
