// A shard's stored history, for the node that becomes a new owner of the
// shard (re-replication after a failure, rebalancing after a join), read a
// few users at a time so a copy never holds the whole shard in memory.
//
// The users are listed after a checkpoint, when the router sees the new
// placement; every write the router sends the shard from then on is also
// sent to the new owner. A user read later may include such a live event:
// the router (the copy's source is the primary when it can be) sent the
// new owner that write before it asked for the user's events, and CAF keeps
// the order of messages between two actors, so the new owner has it
// already and its ingest_copy() skips it. The copy and the live writes
// together hold every event once.
#include <algorithm>
#include <map>
#include <tuple>

#include "shard_state.hpp"

namespace prescient {

caf::expected<user_refs> shard_state::copy_users(const shard_ring& ring) {
  if (auto err = checkpoint())
    return err;
  user_refs users;
  auto err = db_->series().for_each_user([&](std::string_view tenant, std::string_view user) {
    if (ring.shard_of(tenant, user) == opts_.id)
      users.push_back({std::string(tenant), std::string(user)});
    return true;
  });
  if (err)
    return err;
  return users;
}

caf::expected<event_batch> shard_state::copy_events(const user_refs& users) {
  event_batch out;
  for (auto& u : users) {
    auto events = db_->series().range(u.tenant, u.user, INT64_MIN, INT64_MAX);
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
