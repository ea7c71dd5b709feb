#include "prescient/replay/broker_replay.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/allocate/minute_index.hpp"
#include "prescient/replay/scratch_dir.hpp"
#include "prescient/storage/db.hpp"

namespace prescient::replay {

namespace {

namespace al = prescient::allocate;

constexpr al::minute_t none = std::numeric_limits<al::minute_t>::min();
constexpr auto reply_timeout = std::chrono::minutes(5);

/// What the replay keeps per app.
struct app_state {
  std::unique_ptr<al::policy> p;
  std::string tenant, id; ///< the owner, and the app as user and app
  std::uint32_t broker = 0;
  std::uint32_t next = 0;      ///< its next entry in app_trace::minutes
  al::minute_t due = none;     ///< start of the window waiting to be held
  al::minute_t due_until = 0;  ///< its end (exclusive)
  al::minute_t held_until = none; ///< end (exclusive) of the hold sent and not claimed
};

/// splitmix64: spreads app indexes evenly over the brokers.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A data center on which the model's assumptions hold (see the header).
data_center_spec model_spec(std::uint32_t i, double memory_mb) {
  data_center_spec s;
  s.name = "replay-" + std::to_string(i);
  s.region = "replay";
  s.capacity.memory_mb = 2 * memory_mb + 1024; // no capacity limit
  s.reserve_fraction = 1;                      // holds may take all of it
  s.target_precision = 0.3; // the threshold stays in [0.3, 0.99]: confidence 1 clears it
  s.hold_time_us = std::int64_t{1} << 60;      // longer than any window
  return s;
}

/// Drives the brokers: gathers each minute's work per broker, sends it as
/// one batch (one message per broker and minute, not three per app), and
/// reads the replies.
class driver {
public:
  driver(caf::scoped_actor& self, std::vector<broker_actor> brokers, std::vector<app_state>& apps,
         const al::trace& t, broker_replay_result& out)
    : self_(self), brokers_(std::move(brokers)), apps_(apps), trace_(t), out_(out),
      work_(brokers_.size()), claimed_(brokers_.size()), sent_claims_(brokers_.size()) {}

  /// Event time of the start of `minute` (minutes since the epoch: the
  /// trace's are small, so this stays far from overflow).
  static std::int64_t at(al::minute_t minute) { return (minute + 1) * 60'000'000; }

  void hold(std::uint32_t app, al::minute_t minute) {
    auto& a = apps_[app];
    auto r = request<hold_request>(app, minute);
    r.confidence = 1;
    r.until_us = at(a.due_until);
    work_[a.broker].holds.push_back(std::move(r));
    a.held_until = a.due_until;
    a.due = none;
    ++holds_sent_;
  }

  void claim(std::uint32_t app, al::minute_t minute) {
    auto& a = apps_[app];
    work_[a.broker].claims.push_back(request<resource_request>(app, minute));
    claimed_[a.broker].push_back(app);
  }

  void tick_all(std::int64_t now_us) {
    for (auto& b : brokers_) self_->send(b, tick_atom::value, now_us);
  }

  /// Sends the work gathered, one batch per broker; its grants count as
  /// invocations when `counted`. At most one batch per broker is out: the
  /// caller awaits it before sending the next.
  void send(bool counted) {
    counted_ = counted;
    for (std::uint32_t b = 0; b < brokers_.size(); ++b) {
      auto& w = work_[b];
      if (w.releases.empty() && w.holds.empty() && w.claims.empty()) continue;
      in_flight_.emplace_back(b, self_->request(brokers_[b], reply_timeout, batch_atom::value, std::move(w)));
      w = broker_batch{};
      std::swap(claimed_[b], sent_claims_[b]);
    }
  }

  /// Waits for the replies to what send() sent. The releases of its grants
  /// go with the next batch (the end of their minute).
  void await() {
    for (auto& [b, h] : in_flight_)
      h.receive([&, b = b](broker_batch_reply& r) { take(b, r); }, [&](caf::error& e) { fail(describe(e)); });
    in_flight_.clear();
  }

  /// The brokers' counters, summed; checks that every hold was a new one.
  void finish() {
    double idle_mb_s = 0;
    std::uint64_t placed = 0;
    for (auto& b : brokers_)
      self_->request(b, reply_timeout, status_atom::value)
        .receive(
          [&](const broker_stats& s) {
            idle_mb_s += s.idle_warm_mb_s;
            placed += s.holds_placed;
            out_.holds_expired += s.holds_expired;
          },
          [&](caf::error& e) { fail(describe(e)); });
    if (placed != holds_sent_)
      fail(std::to_string(holds_sent_) + " holds sent but " + std::to_string(placed)
           + " placed (a window met a live hold)");
    out_.holds_placed = placed;
    out_.wasted_gb_min = idle_mb_s / 60 / 1024;
  }

  void stop() {
    for (auto& b : brokers_) self_->send_exit(b, caf::exit_reason::user_shutdown);
  }

private:
  /// What a hold and a claim share: who, which app, when, how much.
  template <class Request>
  Request request(std::uint32_t app, al::minute_t minute) const {
    Request r;
    r.tenant = apps_[app].tenant;
    r.user = apps_[app].id;
    r.app = apps_[app].id;
    r.time_us = at(minute);
    r.resources.memory_mb = trace_.apps[app].info.memory_mb;
    return r;
  }

  [[noreturn]] static void fail(const std::string& what) {
    throw std::runtime_error("replay through brokers: " + what);
  }

  void take(std::uint32_t b, broker_batch_reply& r) {
    const bool counted = counted_;
    for (auto& e : r.release_errors)
      if (!e.empty()) fail(e);
    for (auto& h : r.holds)
      if (!h.held) fail("broker " + h.data_center + " refused a hold: " + h.reason);
    auto& apps = sent_claims_[b];
    if (r.grants.size() != apps.size() || r.claim_errors.size() != apps.size())
      fail("a broker answered " + std::to_string(r.grants.size()) + " of " + std::to_string(apps.size()) + " claims");
    for (std::size_t i = 0; i < apps.size(); ++i) {
      if (!r.claim_errors[i].empty()) fail(r.claim_errors[i]);
      auto& g = r.grants[i];
      const bool cold = g.path == grant_path::reactive;
      if (counted) {
        ++out_.claims;
        ++(cold ? out_.grants_reactive : out_.grants_prewarmed);
        out_.per_app[apps[i]].cold_starts += cold ? 1 : 0;
      } else if (cold) {
        fail("a closing claim found no hold for " + apps_[apps[i]].id);
      }
      // Released at the end of its minute: first thing in the next batch.
      work_[b].releases.push_back({apps_[apps[i]].tenant, apps_[apps[i]].id, std::move(g.instance)});
    }
    apps.clear();
  }

  caf::scoped_actor& self_;
  std::vector<broker_actor> brokers_;
  std::vector<app_state>& apps_;
  const al::trace& trace_;
  broker_replay_result& out_;
  std::vector<broker_batch> work_;                  ///< per broker: gathered, not sent
  std::vector<std::vector<std::uint32_t>> claimed_; ///< per broker: the apps of work_'s claims
  std::vector<std::vector<std::uint32_t>> sent_claims_; ///< per broker: those of the batch out
  using handle = decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<broker_actor&>(), reply_timeout, batch_atom::value, broker_batch{}));
  std::vector<std::pair<std::uint32_t, handle>> in_flight_; ///< batches out, by broker
  bool counted_ = true; ///< the batches out are invocations (not the closing claims)
  std::uint64_t holds_sent_ = 0;
};

/// Runs the trace through `d`, minute by minute.
void run_minutes(driver& d, const al::trace& t, const al::minute_index& idx, std::vector<app_state>& apps,
                 broker_replay_result& out) {
  const al::minute_t origin = idx.origin(), last = t.last_minute;
  // Per minute of the trace: apps whose window starts then (stale entries
  // are skipped: the app's `due` no longer names that minute).
  std::vector<std::vector<std::uint32_t>> due(idx.minutes());
  for (std::size_t k = 0; k < idx.minutes(); ++k) {
    const al::minute_t minute = origin + static_cast<al::minute_t>(k);
    for (auto app : due[k])
      if (apps[app].due == minute) d.hold(app, minute);
    due[k] = {};
    for (auto j = idx.begin(k); j != idx.end(k); ++j) d.claim(*j, minute);
    // The windows do not depend on what the brokers did: the policies
    // answer while the brokers still work on the minute before.
    for (auto j = idx.begin(k); j != idx.end(k); ++j) {
      auto& a = apps[*j];
      const auto count = t.apps[*j].minutes[a.next++].second;
      out.per_app[*j].invocations += count;
      a.held_until = none; // the claim used the hold up (or it had expired)
      a.due = none;        // a window not yet held is replaced
      auto w = a.p->on_invocation(minute, count);
      const int pw = std::max(0, w.prewarm);
      if (w.keepalive <= pw || minute + 1 + pw > last) continue;
      a.due = minute + 1 + pw;
      a.due_until = minute + 1 + w.keepalive;
      due[static_cast<std::size_t>(a.due - origin)].push_back(*j);
    }
    d.await();
    d.send(true);
  }
  d.await();
  // The model counts waste up to the last minute: end every hold there.
  const al::minute_t end = last + 1;
  d.tick_all(driver::at(end));
  for (std::uint32_t i = 0; i < apps.size(); ++i)
    if (apps[i].held_until != none && apps[i].held_until > end) d.claim(i, end);
  d.send(false);
  d.await();
  d.send(false); // the releases
  d.await();
}

} // namespace

broker_replay_result replay_through_brokers(const al::trace& t, al::policy_factory& f,
                                            const broker_replay_options& opts) {
  if (opts.brokers == 0) throw std::invalid_argument("replay through brokers: at least one broker is needed");
  double memory = 0;
  for (auto& a : t.apps) {
    if (!a.minutes.empty() && (a.minutes.front().first < t.first_minute || a.minutes.back().first > t.last_minute))
      throw std::invalid_argument("replay through brokers: an invocation lies outside the trace's span");
    memory += a.info.memory_mb;
  }
  const al::minute_index idx(t);
  broker_replay_result out;
  out.per_app.resize(t.apps.size());
  std::vector<app_state> apps(t.apps.size());
  for (std::uint32_t i = 0; i < apps.size(); ++i) {
    apps[i].p = f.make(t.apps[i].info);
    apps[i].tenant = "owner-" + std::to_string(t.apps[i].info.owner);
    apps[i].id = "app-" + std::to_string(i);
    apps[i].broker = static_cast<std::uint32_t>(mix(i) % opts.brokers);
  }

  scratch_dir dir(opts.scratch_parent);
  storage::db_options dbo;
  dbo.path = dir.path() + "/db";
  auto opened = storage::db::open(dbo);
  if (!opened) throw std::runtime_error("cannot open the scratch ledger: " + describe(opened.error()));
  auto db = std::move(*opened);
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    caf::scoped_actor self{sys};
    std::vector<broker_actor> brokers;
    for (std::uint32_t i = 0; i < opts.brokers; ++i) brokers.push_back(spawn_broker(sys, *db, model_spec(i, memory)));
    driver d(self, brokers, apps, t, out);
    try {
      run_minutes(d, t, idx, apps, out);
      d.finish();
    } catch (...) {
      d.stop();
      throw;
    }
    d.stop();
  }
  if (auto err = db->close()) throw std::runtime_error("closing the scratch ledger: " + describe(err));
  return out;
}

} // namespace prescient::replay
