// collect_history: the trainer's view of the time series.
#include <algorithm>
#include <functional>
#include <string_view>
#include <limits>
#include <unordered_map>

#include "prescient/learned/recent_steps.hpp"
#include "prescient/learned/trainer.hpp"
#include "prescient/storage/db.hpp"

namespace prescient::learned {

caf::expected<std::map<std::string, tenant_history>>
collect_history(storage::db& db, const trainer_options& opts) {
  // Per tenant, the max_users users of smallest hash: a sample that does
  // not favour names early in key order, and the same from run to run.
  // A max-heap by hash keeps it bounded.
  using ranked = std::pair<size_t, std::string>;
  std::map<std::string, std::vector<ranked>, std::less<>> sample;
  auto err = db.series().for_each_user([&](std::string_view tenant, std::string_view user) {
    auto i = sample.find(tenant);
    if (i == sample.end())
      i = sample.emplace(std::string{tenant}, std::vector<ranked>{}).first;
    auto& heap = i->second;
    auto h = std::hash<std::string_view>{}(user);
    if (heap.size() < opts.max_users) {
      heap.emplace_back(h, std::string{user});
      std::push_heap(heap.begin(), heap.end());
    } else if (!heap.empty() && h < heap.front().first) {
      std::pop_heap(heap.begin(), heap.end());
      heap.back() = {h, std::string{user}};
      std::push_heap(heap.begin(), heap.end());
    }
    return true;
  });
  if (err)
    return err;
  std::vector<std::pair<std::string, std::string>> users;  // grouped by tenant
  for (auto& [tenant, heap] : sample) {
    std::sort(heap.begin(), heap.end(),
              [](const ranked& a, const ranked& b) { return a.second < b.second; });
    for (auto& [h, user] : heap)
      users.emplace_back(tenant, std::move(user));
  }
  const int64_t wm = db.event_time();
  const int64_t from = wm > 0 && wm > std::numeric_limits<int64_t>::min() + opts.history_us
                         ? wm - opts.history_us
                         : std::numeric_limits<int64_t>::min();
  std::map<std::string, tenant_history> out;
  std::unordered_map<std::string, uint32_t> app_index;  // of `indexed`
  std::string indexed;
  bool any = false;
  for (auto& [tenant, user] : users) {
    auto events = db.series().range(tenant, user, from, std::numeric_limits<int64_t>::max());
    if (!events)
      return std::move(events.error());
    auto& h = out[tenant];
    if (!any || indexed != tenant) {  // users come grouped by tenant
      app_index.clear();
      for (uint32_t i = 0; i < h.apps.size(); ++i)
        app_index.emplace(h.apps[i], i);
      indexed = tenant;
      any = true;
    }
    // range() orders by device, then time: merge the devices by time.
    std::stable_sort(events->begin(), events->end(),
                     [](auto& a, auto& b) { return a.time_us < b.time_us; });
    user_history u;
    u.user = user;
    for (auto& e : *events) {
      if (e.kind != event_kind::launch)
        continue;
      auto [it, fresh] = app_index.emplace(e.app, static_cast<uint32_t>(h.apps.size()));
      if (fresh)
        h.apps.push_back(e.app);
      u.events.push_back({double(e.time_us) / 1e6, it->second, device_code(e.device), e.session});
      h.newest_us = std::max(h.newest_us, e.time_us);
    }
    if (u.events.size() > opts.max_events_per_user)
      u.events.erase(u.events.begin(),
                     u.events.end() - static_cast<std::ptrdiff_t>(opts.max_events_per_user));
    if (u.events.empty())
      continue;
    h.events += u.events.size();
    h.users.push_back(std::move(u));
  }
  return out;
}

} // namespace prescient::learned
