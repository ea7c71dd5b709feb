#include "broker_batch_apply.hpp"

#include "prescient/actors/errc.hpp"

namespace prescient {

broker_batch_reply apply_batch(broker_state& state, const broker_batch& b) {
  broker_batch_reply out;
  out.release_errors.reserve(b.releases.size());
  for (auto& r : b.releases) {
    auto err = state.release(r.tenant, r.user, r.instance);
    out.release_errors.push_back(err ? describe(err) : std::string{});
  }
  out.holds.reserve(b.holds.size());
  for (auto& h : b.holds)
    out.holds.push_back(state.hold(h));
  out.grants.reserve(b.claims.size());
  out.claim_errors.reserve(b.claims.size());
  for (auto& c : b.claims) {
    auto g = state.claim(c);
    out.grants.push_back(g ? std::move(*g) : grant{});
    out.claim_errors.push_back(g ? std::string{} : describe(g.error()));
  }
  return out;
}

} // namespace prescient
