// A shard's whole stored history, for the node that becomes a new owner of
// the shard (re-replication after a failure, rebalancing after a join).
//
// Taken inside one message handler, after a checkpoint: the copy holds
// exactly the writes the shard applied before the request, none after. The
// router asks for it as soon as it sees the new placement, and every write
// it sends the shard later is also sent to the new owner, so the copy and
// the live writes together hold every event once.
#include <algorithm>
#include <map>
#include <tuple>

#include "shard_state.hpp"

namespace prescient {

caf::expected<event_batch> shard_state::snapshot(const shard_ring& ring) {
  if (auto err = checkpoint())
    return err;
  std::vector<std::pair<std::string, std::string>> users;
  auto err = db_->series().for_each_user([&](std::string_view tenant, std::string_view user) {
    if (ring.shard_of(tenant, user) == opts_.id)
      users.emplace_back(std::string(tenant), std::string(user));
    return true;
  });
  if (err)
    return err;
  event_batch out;
  for (auto& [tenant, user] : users) {
    auto events = db_->series().range(tenant, user, INT64_MIN, INT64_MAX);
    if (!events)
      return std::move(events.error());
    // range() orders by device, then time: a profile learns in time order.
    std::stable_sort(events->begin(), events->end(),
                     [](const usage_event& a, const usage_event& b) {
                       return a.time_us < b.time_us;
                     });
    out.insert(out.end(), std::make_move_iterator(events->begin()),
               std::make_move_iterator(events->end()));
  }
  return out;
}

caf::expected<uint32_t> shard_state::ingest_copy(const event_batch& events) {
  if (auto err = checkpoint()) // what the profiles hold in memory, stored
    return err;
  using event_id = std::tuple<std::string, int64_t, std::string, uint8_t>;
  struct user_copy {
    int64_t from_us = INT64_MAX, to_us = INT64_MIN;
    std::map<event_id, uint32_t> held;
  };
  std::map<std::pair<std::string, std::string>, user_copy> users;
  for (auto& e : events) {
    auto& u = users[{e.tenant, e.user}];
    u.from_us = std::min(u.from_us, e.time_us);
    u.to_us = std::max(u.to_us, e.time_us);
  }
  for (auto& [key, u] : users) {
    auto stored = db_->series().range(key.first, key.second, u.from_us, u.to_us + 1);
    if (!stored)
      return std::move(stored.error());
    for (auto& e : *stored)
      ++u.held[{e.device, e.time_us, e.app, static_cast<uint8_t>(e.kind)}];
  }
  event_batch fresh;
  for (auto& e : events) {
    auto& held = users[{e.tenant, e.user}].held;
    auto i = held.find({e.device, e.time_us, e.app, static_cast<uint8_t>(e.kind)});
    if (i != held.end() && i->second > 0)
      --i->second;
    else
      fresh.push_back(e);
  }
  if (fresh.empty())
    return uint32_t{0};
  return ingest(fresh);
}

} // namespace prescient
