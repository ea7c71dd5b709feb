#include "prescient/cluster/placement.hpp"

#include <algorithm>

#include "prescient/wire/stable_hash.hpp"

namespace prescient::cluster {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

uint64_t node_hash(std::string_view id) noexcept {
  return wire::mix64(wire::fnv1a(id));
}

uint64_t rendezvous_weight(uint64_t key, uint64_t node_hash) noexcept {
  return wire::mix64(node_hash ^ wire::mix64(key + 0x9e3779b97f4a7c15ull));
}

placement::placement(uint32_t shards, std::vector<std::string> owners,
                     uint32_t replicas) {
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  replicas_ = std::min<uint32_t>(replicas, static_cast<uint32_t>(owners.size()));
  std::vector<uint64_t> node_hashes;
  for (auto& o : owners)
    node_hashes.push_back(cluster::node_hash(o));
  table_.resize(shards);
  std::vector<std::pair<uint64_t, size_t>> ranked(owners.size());
  for (uint32_t s = 0; s < shards; ++s) {
    for (size_t k = 0; k < owners.size(); ++k)
      ranked[k] = {rendezvous_weight(s, node_hashes[k]), k};
    // Highest weight first; ties (never seen with 64 bits) by node id.
    std::partial_sort(ranked.begin(), ranked.begin() + replicas_, ranked.end(),
                      [](auto& a, auto& b) {
                        return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    for (uint32_t r = 0; r < replicas_; ++r)
      table_[s].push_back(owners[ranked[r].second]);
  }
}

const std::vector<std::string>& placement::owners_of(uint32_t shard) const {
  static const std::vector<std::string> none;
  return shard < table_.size() ? table_[shard] : none;
}

const std::string* placement::primary(uint32_t shard) const {
  auto& o = owners_of(shard);
  return o.empty() ? nullptr : &o.front();
}

bool placement::owns(const std::string& node, uint32_t shard) const {
  return contains(owners_of(shard), node);
}

std::vector<uint32_t> placement::shards_of(const std::string& node) const {
  std::vector<uint32_t> out;
  for (uint32_t s = 0; s < table_.size(); ++s)
    if (contains(table_[s], node))
      out.push_back(s);
  return out;
}

std::vector<transfer> transfers(const placement& before, const placement& after,
                                const std::vector<std::string>& live) {
  std::vector<transfer> out;
  auto n = std::min(before.shards(), after.shards());
  for (uint32_t s = 0; s < n; ++s) {
    auto& old_owners = before.owners_of(s);
    auto& new_owners = after.owners_of(s);
    // The source: the first previous owner (primary first) still live.
    std::string from;
    for (auto& o : old_owners)
      if (contains(live, o)) {
        from = o;
        break;
      }
    for (auto& o : new_owners)
      if (!contains(old_owners, o))
        out.push_back({s, from, o});
  }
  return out;
}

} // namespace prescient::cluster
