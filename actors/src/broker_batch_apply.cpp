#include "broker_batch_apply.hpp"

#include <memory>

#include "prescient/actors/errc.hpp"

namespace prescient {

void apply_batch(broker_state& state, const broker_batch& b,
                 std::function<void(broker_batch_reply)> done) {
  struct join {
    broker_batch_reply out;
    size_t pending = 0;
    std::function<void(broker_batch_reply)> done;
  };
  auto j = std::make_shared<join>();
  j->done = std::move(done);
  auto& out = j->out;
  out.release_errors.reserve(b.releases.size());
  for (auto& r : b.releases) {
    auto err = state.release(r.tenant, r.user, r.instance);
    out.release_errors.push_back(err ? describe(err) : std::string{});
  }
  out.holds.reserve(b.holds.size());
  for (auto& h : b.holds)
    out.holds.push_back(state.hold(h));
  out.grants.resize(b.claims.size());
  out.claim_errors.resize(b.claims.size());
  // One pending count for the loop itself, so that answers given at once do
  // not finish the join before every claim has been made.
  j->pending = b.claims.size() + 1;
  auto finish = [j] {
    if (--j->pending == 0)
      j->done(std::move(j->out));
  };
  for (size_t k = 0; k < b.claims.size(); ++k)
    state.claim(b.claims[k], [j, k, finish](caf::expected<grant> g) {
      if (g)
        j->out.grants[k] = std::move(*g);
      else
        j->out.claim_errors[k] = describe(g.error());
      finish();
    });
  finish();
}

} // namespace prescient
