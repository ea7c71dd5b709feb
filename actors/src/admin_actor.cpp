#include "prescient/actors/admin_actor.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <unistd.h>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "prescient/actors/errc.hpp"
#include "prescient/actors/ring.hpp"
#include "prescient/predict/scoreboard.hpp"
#include "prescient/storage/db.hpp"

#ifndef PRESCIENT_VERSION
#define PRESCIENT_VERSION "0.1.0"
#endif

namespace prescient {

uint64_t process_rss_bytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  auto n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? uint64_t(resident) * uint64_t(sysconf(_SC_PAGESIZE)) : 0;
}

namespace {

struct admin_state {
  static inline const char* name = "admin";
  admin_options opts;
  std::unique_ptr<shard_ring> ring;
  std::chrono::steady_clock::time_point started;
};

using self_ptr = admin_actor::stateful_pointer<admin_state>;

// Gathers the status in three steps: shards, brokers, router; any failure
// fails the whole answer, since a partial status would mislead.
void collect_status(self_ptr self, caf::typed_response_promise<node_status> rp) {
  auto& st = self->state;
  auto out = std::make_shared<node_status>();
  out->node_id = st.opts.node_id;
  out->version = PRESCIENT_VERSION;
  out->uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                                - st.started)
                    .count();
  out->shards = static_cast<uint32_t>(st.opts.shards.size());
  out->storage_bytes = st.opts.db->live_bytes();
  out->known_users = st.opts.db->estimate_profiles();
  out->rss_bytes = process_rss_bytes();
  struct join {
    size_t pending;
    bool failed = false;
  };
  auto j = std::make_shared<join>(
    join{st.opts.shards.size() + st.opts.data_centers.size() + 1
         + (st.opts.cluster ? 1 : 0)});
  auto fail = [j, rp](caf::error& err) mutable {
    if (!j->failed) {
      j->failed = true;
      rp.deliver(std::move(err));
    }
  };
  // Cluster: which node serves each data center (the router knows the
  // view), set on the brokers' answers once all are in.
  auto homes = std::make_shared<std::map<std::string, cluster::data_center_home>>();
  auto done = [j, out, rp, homes]() mutable {
    if (--j->pending > 0 || j->failed)
      return;
    for (auto& d : out->data_centers)
      if (auto h = homes->find(d.name); h != homes->end()) {
        d.served_by = h->second.node;
        d.region_lost = h->second.where == cluster::data_center_home::kind::lost;
      }
    rp.deliver(std::move(*out));
  };
  for (auto& s : st.opts.shards)
    self->request(s, st.opts.timeout, status_atom::value)
      .then(
        [out, done](const shard_stats& s) mutable {
          out->resident_profiles += s.resident_profiles;
          done();
        },
        fail);
  for (auto& dc : st.opts.data_centers)
    self->request(dc.broker, st.opts.timeout, status_atom::value)
      .then(
        [out, done](const broker_stats& b) mutable {
          out->data_centers.push_back(b.status);
          done();
        },
        fail);
  self->request(st.opts.router, st.opts.timeout, status_atom::value)
    .then(
      [out, done, homes](const router_stats& r) mutable {
        *homes = r.data_center_homes;
        out->events_ingested = r.events_ingested;
        out->events_per_second = r.events_per_s;
        out->event_time_us = r.watermark_us;
        out->cluster.copies_in_flight = r.copies_in_flight;
        out->cluster.events_copied = r.events_copied;
        done();
      },
      fail);
  if (st.opts.cluster)
    self->request(st.opts.cluster, st.opts.timeout, status_atom::value)
      .then(
        [out, done](cluster_status& c) mutable {
          c.copies_in_flight = out->cluster.copies_in_flight;
          c.events_copied = out->cluster.events_copied;
          out->cluster = std::move(c);
          done();
        },
        fail);
}

/// The router's request KPIs, what the brokers know of their holds,
/// capacity and demand forecasts, and the shards' prediction scores and
/// anomaly counts. Any failure fails the answer, as for the status.
void collect_kpis(self_ptr self, caf::typed_response_promise<kpis> rp) {
  auto& st = self->state;
  struct join {
    size_t pending;
    kpis router;  // request KPIs, from the router
    kpis sums;    // hold, forecast and anomaly figures, summed
    double cpu_used = 0, cpu_capacity = 0;
    size_t forecasting = 0; // brokers whose demand forecast has been fitted
    predict::scoreboard scores{false};
    bool failed = false;
  };
  auto j = std::make_shared<join>();
  j->pending = st.opts.data_centers.size() + 2 * st.opts.shards.size() + 1;
  auto fail = [j, rp](caf::error& err) mutable {
    if (!j->failed) {
      j->failed = true;
      rp.deliver(std::move(err));
    }
  };
  auto done = [j, rp]() mutable {
    if (--j->pending > 0 || j->failed)
      return;
    auto k = j->router;
    const auto& h = j->sums;
    k.holds_placed = h.holds_placed;
    k.holds_claimed = h.holds_claimed;
    k.holds_expired = h.holds_expired;
    k.idle_warm_core_s = h.idle_warm_core_s;
    k.idle_warm_gb_s = h.idle_warm_gb_s;
    k.reserve_hits = h.reserve_hits;
    k.reserve_misses = h.reserve_misses;
    k.reserve_idle_core_s = h.reserve_idle_core_s;
    k.idle_warm_cost = h.idle_warm_cost;
    auto ended = k.holds_claimed + k.holds_expired;
    k.prealloc_success_rate = ended == 0 ? 0.0 : double(k.holds_claimed) / double(ended);
    k.utilization = j->cpu_capacity > 0 ? j->cpu_used / j->cpu_capacity : 0.0;
    k.anomalies_flagged = h.anomalies_flagged;
    if (j->forecasting > 0) {
      k.demand_forecast_mae = h.demand_forecast_mae / double(j->forecasting);
      k.demand_forecast_coverage95 = h.demand_forecast_coverage95 / double(j->forecasting);
    }
    // The production model is the board's last (online_model_names).
    auto scored = j->scores.metrics();
    if (!scored.empty()) {
      const auto& m = scored.back();
      k.prediction_error = 1 - m.top1;
      k.prediction_logloss = m.logloss;
      k.prediction_ece = m.ece;
      k.timing_coverage80 = m.timing_coverage80;
      k.predictions_scored = m.scored;
    }
    rp.deliver(std::move(k));
  };
  for (auto& dc : st.opts.data_centers)
    self->request(dc.broker, st.opts.timeout, status_atom::value)
      .then(
        [j, done](const broker_stats& b) mutable {
          auto& h = j->sums;
          h.holds_placed += b.holds_placed;
          h.holds_claimed += b.holds_claimed;
          h.holds_expired += b.holds_expired;
          h.idle_warm_core_s += b.idle_warm_cpu_s;
          h.idle_warm_gb_s += b.idle_warm_mb_s / 1024;
          h.anomalies_flagged += b.anomalies_flagged;
          if (b.demand_forecast_fitted) {
            h.demand_forecast_mae += b.demand_forecast_mae;
            h.demand_forecast_coverage95 += b.demand_forecast_coverage95;
            ++j->forecasting;
          }
          h.reserve_hits += b.reserve_hits;
          h.reserve_misses += b.reserve_misses;
          h.reserve_idle_core_s += b.reserve_idle_cpu_s;
          h.idle_warm_cost += b.idle_warm_cost;
          j->cpu_used += b.status.cpu_used_millicores;
          j->cpu_capacity += b.status.cpu_capacity_millicores;
          done();
        },
        fail);
  for (auto& s : st.opts.shards) {
    self->request(s, st.opts.timeout, status_atom::value)
      .then(
        [j, done](const shard_stats& s) mutable {
          j->sums.anomalies_flagged += s.anomalies_flagged;
          done();
        },
        fail);
    self->request(s, st.opts.timeout, score_atom::value)
      .then(
        [j, done](const std::string& saved) mutable {
          predict::scoreboard b{false};
          if (!saved.empty() && b.load(saved)) {
            j->scores.merge(b);
          }
          done();
        },
        fail);
  }
  self->request(st.opts.router, st.opts.timeout, kpis_atom::value)
    .then(
      [j, done](kpis& k) mutable {
        j->router = std::move(k);
        done();
      },
      fail);
}

// Asks every shard and broker for its latest flags and merges them, newest
// first. Any failure fails the answer, as for the status: a list that
// silently lacks a shard would read as "nothing unusual there".
void collect_anomalies(self_ptr self, uint32_t limit,
                       caf::typed_response_promise<std::vector<anomaly>> rp) {
  auto& st = self->state;
  struct join {
    size_t pending;
    bool failed = false;
    std::vector<anomaly> all;
  };
  auto j = std::make_shared<join>(
    join{st.opts.shards.size() + st.opts.data_centers.size(), false, {}});
  auto fail = [j, rp](caf::error& err) mutable {
    if (!j->failed) {
      j->failed = true;
      rp.deliver(std::move(err));
    }
  };
  auto add = [j, rp, limit](std::vector<anomaly>& some) mutable {
    std::move(some.begin(), some.end(), std::back_inserter(j->all));
    if (--j->pending > 0 || j->failed)
      return;
    std::stable_sort(j->all.begin(), j->all.end(),
                     [](const anomaly& a, const anomaly& b) { return a.time_us > b.time_us; });
    if (j->all.size() > limit)
      j->all.resize(limit);
    rp.deliver(std::move(j->all));
  };
  if (j->pending == 0) {
    rp.deliver(std::vector<anomaly>{});
    return;
  }
  for (auto& s : st.opts.shards)
    self->request(s, st.opts.timeout, anomalies_atom::value, limit).then(add, fail);
  for (auto& dc : st.opts.data_centers)
    self->request(dc.broker, st.opts.timeout, anomalies_atom::value, limit)
      .then(add, fail);
}

admin_actor::behavior_type admin_impl(self_ptr self, admin_options opts) {
  auto& st = self->state;
  st.ring = std::make_unique<shard_ring>(static_cast<uint32_t>(opts.shards.size()),
                                         opts.vnodes);
  st.opts = std::move(opts);
  st.started = std::chrono::steady_clock::now();
  return {
    [self](status_atom) -> caf::result<node_status> {
      auto rp = self->make_response_promise<node_status>();
      collect_status(self, rp);
      return rp;
    },
    [self](user_atom, const std::string& tenant,
           const std::string& user) -> caf::result<user_summary> {
      auto& st = self->state;
      auto rp = self->make_response_promise<user_summary>();
      if (st.opts.cluster) { // wherever the user's shard lives
        self->request(st.opts.cluster, st.opts.timeout, user_atom::value, tenant, user)
          .then([rp](user_summary& s) mutable { rp.deliver(std::move(s)); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      }
      self->request(st.opts.shards[st.ring->shard_of(tenant, user)],
                    st.opts.timeout, user_atom::value, tenant, user)
        .then([rp](user_summary& s) mutable { rp.deliver(std::move(s)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](kpis_atom) -> caf::result<kpis> {
      auto rp = self->make_response_promise<kpis>();
      collect_kpis(self, rp);
      return rp;
    },
    [self](forecast_atom, const std::string& dc,
           uint32_t horizon) -> caf::result<data_center_forecast> {
      auto& st = self->state;
      auto i = std::find_if(st.opts.data_centers.begin(), st.opts.data_centers.end(),
                            [&](const auto& d) { return d.name == dc; });
      if (i == st.opts.data_centers.end())
        return make_error(actor_errc::bad_input,
                          "data center '" + dc + "' is not configured");
      auto rp = self->make_response_promise<data_center_forecast>();
      self->request(i->broker, st.opts.timeout, forecast_atom::value, horizon)
        .then([rp](data_center_forecast& f) mutable { rp.deliver(std::move(f)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](anomalies_atom, uint32_t limit) -> caf::result<std::vector<anomaly>> {
      if (limit < 1 || limit > max_anomalies)
        return make_error(actor_errc::bad_input,
                          "limit " + std::to_string(limit) + " is outside 1.."
                            + std::to_string(max_anomalies));
      auto rp = self->make_response_promise<std::vector<anomaly>>();
      collect_anomalies(self, limit, rp);
      return rp;
    },
    [self](erase_atom, const std::string& tenant,
           const std::string& user) -> caf::result<bool> {
      auto& st = self->state;
      auto rp = self->make_response_promise<bool>();
      if (st.opts.cluster) { // every copy, on every owner
        self->request(st.opts.cluster, st.opts.timeout, erase_atom::value, tenant, user)
          .then([rp](bool ok) mutable { rp.deliver(ok); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      }
      self->request(st.opts.shards[st.ring->shard_of(tenant, user)],
                    st.opts.timeout, erase_atom::value, tenant, user)
        .then([rp](bool ok) mutable { rp.deliver(ok); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

} // namespace

admin_actor spawn_admin(caf::actor_system& sys, admin_options opts) {
  return sys.spawn(admin_impl, std::move(opts));
}

} // namespace prescient
