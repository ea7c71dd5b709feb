#include "prescient/learned/inference_actor.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace prescient::learned {

namespace {

struct pending {
  infer_request req;
  caf::typed_response_promise<sparse_prediction> rp;
};

struct inference_state {
  static inline const char* name = "learned_inference";
  std::shared_ptr<const model_registry> registry;
  inference_options opts;
  std::vector<pending> queue;
  uint64_t batch_seq = 0;  // the batch being filled
  inference_stats stats;
};

using self_ptr = inference_actor::stateful_pointer<inference_state>;

void run_tenant(inference_state& st, std::vector<pending*>& group) {
  auto snap = st.registry->current(group.front()->req.tenant);
  if (!snap) {
    for (auto* p : group) {
      sparse_prediction none;
      none.user_key = p->req.user_key;
      none.position = p->req.position;
      p->rp.deliver(std::move(none));
    }
    st.stats.no_model += group.size();
    return;
  }
  std::vector<std::vector<step>> inputs;
  inputs.reserve(group.size());
  const auto ctx = static_cast<size_t>(std::max(1, snap->model->context()));
  for (auto* p : group) {
    auto& s = p->req.steps;
    auto from = s.size() > ctx ? s.end() - static_cast<std::ptrdiff_t>(ctx) : s.begin();
    inputs.emplace_back(from, s.end());
  }
  auto t0 = std::chrono::steady_clock::now();
  auto dists = snap->model->predict_batch(inputs);
  st.stats.busy_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++st.stats.batches;
  st.stats.largest_batch = std::max<uint64_t>(st.stats.largest_batch, group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    auto out = sparsify(dists[i], st.opts.top_k);
    out.version = snap->version;
    out.user_key = group[i]->req.user_key;
    out.position = group[i]->req.position;
    group[i]->rp.deliver(std::move(out));
  }
}

void flush(inference_state& st) {
  if (st.queue.empty())
    return;
  ++st.stats.flushes;
  ++st.batch_seq;
  auto batch = std::move(st.queue);
  st.queue.clear();
  std::map<std::string_view, std::vector<pending*>> by_tenant;
  for (auto& p : batch)
    by_tenant[p.req.tenant].push_back(&p);
  for (auto& [tenant, group] : by_tenant)
    run_tenant(st, group);
}

inference_actor::behavior_type impl(self_ptr self,
                                    std::shared_ptr<const model_registry> registry,
                                    inference_options opts) {
  self->state.registry = std::move(registry);
  opts.max_batch = std::max<size_t>(opts.max_batch, 1);
  self->state.opts = opts;
  return {
    [self](infer_atom, infer_request& req) -> caf::result<sparse_prediction> {
      auto& st = self->state;
      ++st.stats.requests;
      auto rp = self->make_response_promise<sparse_prediction>();
      st.queue.push_back({std::move(req), rp});
      if (st.queue.size() >= st.opts.max_batch)
        flush(st);
      else if (st.queue.size() == 1)
        self->delayed_send(self, st.opts.max_delay, flush_atom::value, st.batch_seq);
      return rp;
    },
    [self](status_atom) { return self->state.stats; },
    [self](flush_atom, uint64_t seq) {
      if (seq == self->state.batch_seq)  // else: that batch already went out full
        flush(self->state);
    },
  };
}

} // namespace

sparse_prediction sparsify(const std::vector<float>& dist, size_t k) {
  sparse_prediction out;
  std::vector<uint32_t> ids;
  ids.reserve(dist.size());
  for (uint32_t i = 1; i < dist.size(); ++i)
    if (dist[i] > 0)
      ids.push_back(i);
  k = std::min(k, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                    [&](uint32_t l, uint32_t r) {
                      return dist[l] != dist[r] ? dist[l] > dist[r] : l < r;
                    });
  double mass = 0;
  for (size_t i = 0; i < k; ++i) {
    out.apps.push_back(ids[i]);
    out.probs.push_back(dist[ids[i]]);
    mass += dist[ids[i]];
  }
  out.residual = static_cast<float>(std::max(0.0, 1.0 - mass));
  return out;
}

inference_actor spawn_inference(caf::actor_system& sys,
                                std::shared_ptr<const model_registry> registry,
                                inference_options opts) {
  return sys.spawn<caf::detached>(impl, std::move(registry), opts);
}

} // namespace prescient::learned
