// What one node believes about the cluster's members, and whether its side
// of a partition may accept writes.
//
// Views spread by gossip: each node sends its whole view to a peer now and
// then and merges what it receives. Merging must give every node the same
// view once the same records have reached it, whatever the order, so a
// record is ordered by (incarnation, version, state severity):
//   - incarnation: the member's start (a restarted node is a new
//     incarnation, and what was said about its previous life is stale);
//   - version: bumped by whoever changes the record (join → up, a leave, a
//     down verdict, a refutation);
//   - on a tie, the more severe state wins (down > leaving > up > joining),
//     so two nodes that changed the same record concurrently agree.
// A node that finds itself declared down while it is alive refutes it by
// bumping its own version (a suspicion, unlike a restart, is not final).
//
// Quorum (split-brain protection, "static quorum"): the cluster's size is
// configured (cluster.expected_nodes). A node accepts writes only while it
// reaches a strict majority of it, itself included; a minority side stops
// taking events, so two sides never both own a user's history.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace prescient::cluster {

enum class member_state : uint8_t { joining = 0, up = 1, leaving = 2, down = 3 };

const char* to_string(member_state) noexcept;

struct member {
  std::string id;          ///< node id, unique in the cluster
  std::string address;     ///< "host:port" of its cluster endpoint
  std::string region;
  uint64_t incarnation = 0;
  uint64_t version = 0;
  member_state state = member_state::joining;
};

/// True when `a` supersedes `b` (records of the same member).
bool newer(const member& a, const member& b) noexcept;

class membership {
public:
  /// `self` is this node's own record; `expected_nodes` the configured
  /// cluster size that quorum is a majority of (>= 1).
  membership(member self, uint32_t expected_nodes);

  /// Merges a peer's view. Returns true when this view changed. A record
  /// about this node from an older life is ignored; one that says this
  /// node is down or leaving while it is not is refuted.
  bool merge(const std::vector<member>& remote);

  /// This node's verdict on a peer (e.g. down, after its detector fired):
  /// bumps the record's version. Returns false for an unknown id or self.
  bool mark(const std::string& id, member_state s);

  /// This node's own state (joining → up, up → leaving).
  void set_self(member_state s);

  const member& self() const noexcept;
  const member* find(const std::string& id) const;
  /// Every record, ordered by id (what gossip sends).
  std::vector<member> view() const;
  /// Members that own shards: up or leaving (a leaving node serves until
  /// its shards are handed off), ordered by id.
  std::vector<std::string> owners() const;

  /// True while this node reaches a strict majority of the expected
  /// cluster: itself plus the `reachable` peers that are not down.
  bool has_quorum(const std::set<std::string>& reachable) const;
  uint32_t expected_nodes() const noexcept {
    return expected_;
  }

private:
  std::map<std::string, member> members_;
  std::string self_id_;
  uint32_t expected_;
};

} // namespace prescient::cluster
