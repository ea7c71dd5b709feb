#include <memory>

#include "bridge.hpp"
#include "metrics_snapshot.hpp"

namespace prescient::node {

kj::Promise<metrics_snapshot> gather_metrics(const metrics_sources& src) {
  auto paf = kj::newPromiseAndCrossThreadFulfiller<metrics_snapshot>();
  // Shared so that every reply handler can reach it; fulfilling after the
  // scrape gave up is harmless (the promise side is gone).
  auto f = std::make_shared<kj::Own<kj::CrossThreadPromiseFulfiller<metrics_snapshot>>>(
    kj::mv(paf.fulfiller));
  caf::anon_send(src.bridge, bridge_job{[src, f](caf::event_based_actor* self) {
    struct join {
      metrics_snapshot out;
      size_t pending = 0;
      bool failed = false;
    };
    auto j = std::make_shared<join>();
    j->pending = 2 + src.shards.size();
    auto done = [j, f] {
      if (--j->pending == 0 && !j->failed)
        (*f)->fulfill(kj::mv(j->out));
    };
    auto fail = [j, f](caf::error& err) {
      if (!j->failed) {
        j->failed = true;
        (*f)->reject(rpc_error(prescient::describe(err)));
      }
    };
    self->request(src.admin, src.timeout, status_atom::value)
      .then(
        [j, done](node_status& s) {
          j->out.status = std::move(s);
          done();
        },
        fail);
    self->request(src.admin, src.timeout, kpis_atom::value)
      .then(
        [j, done](kpis& k) {
          j->out.kpis = std::move(k);
          done();
        },
        fail);
    for (auto& s : src.shards)
      self->request(s, src.timeout, status_atom::value)
        .then(
          [j, done](const shard_stats& st) {
            auto& t = j->out.shards;
            t.resident_profiles += st.resident_profiles;
            t.resident_models += st.resident_models;
            t.model_bytes += st.model_bytes;
            t.inference_requests += st.inference_requests;
            t.inference_replies += st.inference_replies;
            t.learned_uses += st.learned_uses;
            done();
          },
          fail);
  }});
  return kj::mv(paf.promise);
}

} // namespace prescient::node
