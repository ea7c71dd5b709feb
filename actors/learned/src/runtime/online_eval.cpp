#include "online_eval.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "prescient/predict/profile.hpp"

namespace prescient::learned::detail {

namespace {

/// One precomputed prediction as an external model.
class fixed_external final : public predict::external_model {
public:
  const std::vector<predict::scored_app>* current = nullptr;
  const char* name() const override {
    return "learned";
  }
  void predict(const predict::external_query&, std::vector<predict::scored_app>& out) const override {
    out = *current;
  }
};

} // namespace

online_figures evaluate_online(const tenant_history& h, const std::vector<size_t>& score_from,
                               const external_predictions* external) {
  struct ref {
    double time_s;
    uint32_t user;
    uint32_t index;
  };
  std::vector<ref> order;
  order.reserve(h.events);
  for (uint32_t u = 0; u < h.users.size(); ++u)
    for (uint32_t i = 0; i < h.users[u].events.size(); ++i)
      order.push_back({h.users[u].events[i].time_s, u, i});
  std::stable_sort(order.begin(), order.end(), [](const ref& a, const ref& b) {
    return std::tie(a.time_s, a.user, a.index) < std::tie(b.time_s, b.user, b.index);
  });
  predict::tenant_model tenant;
  std::vector<predict::user_model> models(h.users.size());
  predict::scored_set s;
  fixed_external fixed;
  online_figures out;
  double hits = 0, loss = 0;
  for (auto& r : order) {
    auto& e = h.users[r.user].events[r.index];
    auto session = static_cast<uint32_t>(e.session ^ (e.session >> 32));
    predict::query q{e.time_s, e.device, session};
    auto& m = models[r.user];
    const predict::external_model* ext = nullptr;
    if (external && r.index >= score_from[r.user]) {
      auto& per_user = (*external)[r.user];
      if (auto k = r.index - score_from[r.user]; k < per_user.size()) {
        fixed.current = &per_user[k];
        ext = &fixed;
      }
    }
    m.score(tenant, q, s, ext);
    if (r.index >= score_from[r.user]) {
      ++out.predictions;
      if (!s.cand.empty() && s.cand[s.order[0]] == e.app)
        hits += 1;
      loss += -std::log(std::max(m.calibrated_prob(tenant, s, e.app), 1e-6));
    }
    m.observe(tenant, predict::event{e.time_s, e.app, e.device, session, 1.0f}, nullptr, &s, ext);
  }
  if (out.predictions) {
    out.top1 = hits / double(out.predictions);
    out.logloss = loss / double(out.predictions);
  }
  return out;
}

} // namespace prescient::learned::detail
