#include "prescient/cluster/membership.hpp"

#include <algorithm>
#include <tuple>

namespace prescient::cluster {

const char* to_string(member_state s) noexcept {
  switch (s) {
    case member_state::joining: return "joining";
    case member_state::up: return "up";
    case member_state::leaving: return "leaving";
    case member_state::down: return "down";
  }
  return "unknown";
}

bool newer(const member& a, const member& b) noexcept {
  return std::make_tuple(a.incarnation, a.version, static_cast<int>(a.state))
         > std::make_tuple(b.incarnation, b.version, static_cast<int>(b.state));
}

membership::membership(member self, uint32_t expected_nodes)
  : self_id_(self.id), expected_(std::max<uint32_t>(1, expected_nodes)) {
  members_.emplace(self.id, std::move(self));
}

const member& membership::self() const noexcept {
  return members_.at(self_id_);
}

const member* membership::find(const std::string& id) const {
  auto i = members_.find(id);
  return i == members_.end() ? nullptr : &i->second;
}

bool membership::merge(const std::vector<member>& remote) {
  bool changed = false;
  for (auto& r : remote) {
    if (r.id.empty())
      continue;
    if (r.id == self_id_) {
      auto& me = members_.at(self_id_);
      if (r.incarnation != me.incarnation || !newer(r, me))
        continue;
      // Someone says more about this node than it said itself. Alive, it
      // refutes a verdict of down (or a leave it did not start) and
      // outbids the record, so the refutation wins everywhere.
      if (r.state == member_state::down
          || (r.state == member_state::leaving && me.state != member_state::leaving)) {
        me.version = r.version + 1;
      } else {
        me.version = r.version;
      }
      changed = true;
      continue;
    }
    auto i = members_.find(r.id);
    if (i == members_.end()) {
      members_.emplace(r.id, r);
      changed = true;
    } else if (newer(r, i->second)) {
      i->second = r;
      changed = true;
    }
  }
  return changed;
}

bool membership::mark(const std::string& id, member_state s) {
  if (id == self_id_)
    return false;
  auto i = members_.find(id);
  if (i == members_.end())
    return false;
  if (i->second.state == s)
    return true;
  i->second.state = s;
  ++i->second.version;
  return true;
}

void membership::set_self(member_state s) {
  auto& me = members_.at(self_id_);
  if (me.state != s) {
    me.state = s;
    ++me.version;
  }
}

std::vector<member> membership::view() const {
  std::vector<member> out;
  out.reserve(members_.size());
  for (auto& [id, m] : members_)
    out.push_back(m);
  return out;
}

std::vector<std::string> membership::owners() const {
  std::vector<std::string> out;
  for (auto& [id, m] : members_)
    if (m.state == member_state::up || m.state == member_state::leaving)
      out.push_back(id);
  return out;
}

bool membership::has_quorum(const std::set<std::string>& reachable) const {
  uint32_t n = 1; // this node
  for (auto& id : reachable) {
    auto* m = find(id);
    if (id != self_id_ && m && m->state != member_state::down)
      ++n;
  }
  return n > expected_ / 2;
}

} // namespace prescient::cluster
