// collect_history: the trainer's view of the time series.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "prescient/learned/recent_steps.hpp"
#include "prescient/learned/trainer.hpp"
#include "prescient/storage/db.hpp"

namespace prescient::learned {

caf::expected<std::map<std::string, tenant_history>>
collect_history(storage::db& db, const trainer_options& opts) {
  std::vector<std::pair<std::string, std::string>> users;
  std::map<std::string, size_t, std::less<>> per_tenant;
  auto err = db.series().for_each_user([&](std::string_view tenant, std::string_view user) {
    auto i = per_tenant.find(tenant);
    if (i == per_tenant.end())
      i = per_tenant.emplace(std::string{tenant}, 0).first;
    if (i->second < opts.max_users) {
      ++i->second;
      users.emplace_back(std::string{tenant}, std::string{user});
    }
    return true;
  });
  if (err)
    return err;
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
    if (!any || indexed != tenant) {  // users come grouped by tenant (key order)
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
