#include "broker_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <tuple>

#include "prescient/actors/errc.hpp"
#include "prescient/providers/simulated_provider.hpp"
#include "spot_market.hpp"

namespace prescient {

namespace {

void put_str(std::string& out, const std::string& s) {
  auto n = static_cast<uint16_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n).append(s);
}

bool get_str(std::string_view& in, std::string& s) {
  uint16_t n = 0;
  if (in.size() < sizeof n)
    return false;
  std::memcpy(&n, in.data(), sizeof n);
  in.remove_prefix(sizeof n);
  if (in.size() < n)
    return false;
  s.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

template <class T>
void put_raw(std::string& out, const T& x) {
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
}

template <class T>
bool get_raw(std::string_view& in, T& x) {
  if (in.size() < sizeof x)
    return false;
  std::memcpy(&x, in.data(), sizeof x);
  in.remove_prefix(sizeof x);
  return true;
}

} // namespace

void broker_state::init(storage::db* db, data_center_spec spec,
                        broker_provider provider) {
  db_ = db;
  spec_ = std::move(spec);
  if (!provider.instances) {
    // Accounting only: a simulated data center without delays.
    providers::simulated_config sim;
    sim.data_center = spec_.name;
    sim.capacity = spec_.capacity;
    sim.cold_start = sim.warmup_step = sim.warm_start
      = providers::delay_distribution::fixed(0);
    provider.instances = std::make_unique<providers::simulated_provider>(sim);
  }
  provider_ = std::move(provider.instances);
  apps_ = std::move(provider.apps);
  clock_ = std::move(provider.clock);
  reconcile_ = provider.reconcile;
  threshold_ = prewarm_threshold(spec_.target_precision);
  reserve_ = warm_reserve(spec_.reserve);
  counters_.status.name = spec_.name;
  counters_.status.region = spec_.region;
}

std::string broker_state::ledger_key(const std::string& instance) const {
  return "grant/" + spec_.name + "/" + instance;
}

std::string broker_state::hold_key(const std::string& instance) const {
  return "hold/" + spec_.name + "/" + instance;
}

std::string broker_state::encode(const live_hold& h) {
  auto out = encode(h.what);
  put_raw(out, h.expires_us);
  put_raw(out, h.confidence);
  return out;
}

bool broker_state::decode(std::string_view in, live_hold& h) {
  constexpr size_t tail = sizeof h.expires_us + sizeof h.confidence;
  if (in.size() < tail)
    return false;
  auto rest = in.substr(in.size() - tail);
  return decode(in.substr(0, in.size() - tail), h.what) && get_raw(rest, h.expires_us)
         && get_raw(rest, h.confidence);
}

std::string broker_state::next_instance() {
  return spec_.name + "-" + std::to_string(next_instance_++);
}

std::string broker_state::encode(const live_grant& g) {
  std::string out;
  put_str(out, g.tenant);
  put_str(out, g.user);
  put_str(out, g.app);
  put_raw(out, g.resources);
  put_raw(out, g.time_us);
  return out;
}

bool broker_state::decode(std::string_view in, live_grant& g) {
  return get_str(in, g.tenant) && get_str(in, g.user) && get_str(in, g.app)
         && get_raw(in, g.resources) && get_raw(in, g.time_us) && in.empty();
}

caf::error broker_state::restore() {
  // Instance ids are "<dc>-<n>": continue numbering after the largest.
  auto number_after = [this](const std::string& instance) {
    auto dash = instance.rfind('-');
    if (dash != std::string::npos)
      next_instance_ = std::max<uint64_t>(
        next_instance_, std::strtoull(instance.c_str() + dash + 1, nullptr, 10) + 1);
  };
  // Reads every entry under "<kind>/<dc>/" through `take`.
  auto scan = [&](const std::string& kind, auto&& take) -> caf::error {
    auto prefix = kind + "/" + spec_.name + "/";
    caf::error bad;
    auto err = db_->ledger().scan(prefix, [&](std::string_view key,
                                              std::string_view value) {
      if (bad)
        return;
      std::string instance(key.substr(prefix.size()));
      number_after(instance);
      if (!take(std::move(instance), value))
        bad = make_error(actor_errc::storage_failure,
                         "ledger entry " + std::string(key) + " is unreadable");
    });
    return err ? err : bad;
  };
  auto err = scan("hold", [&](std::string instance, std::string_view value) {
    live_hold h;
    if (!decode(value, h))
      return false;
    add(h.what.resources, +1);
    held_cpu_[h.what.tenant] += h.what.resources.cpu_millicores;
    held_.cpu_millicores += h.what.resources.cpu_millicores;
    held_.memory_mb += h.what.resources.memory_mb;
    now_us_ = std::max(now_us_, h.what.time_us);
    price_hold(h);
    index_hold(std::move(instance), std::move(h));
    return true;
  });
  if (!err)
    err = scan("grant", [&](std::string instance, std::string_view value) {
      live_grant g;
      if (!decode(value, g))
        return false;
      add(g.resources, +1);
      grants_.emplace(std::move(instance), std::move(g));
      return true;
    });
  if (!err)
    reconcile();
  return err;
}

bool broker_state::fits(const resource_vector& r) const {
  const auto& c = spec_.capacity;
  return used_.cpu_millicores + r.cpu_millicores <= c.cpu_millicores
         && used_.memory_mb + r.memory_mb <= c.memory_mb
         && used_.disk_iops + r.disk_iops <= c.disk_iops
         && used_.network_mbps + r.network_mbps <= c.network_mbps
         && used_.gpus + r.gpus <= c.gpus;
}

void broker_state::add(const resource_vector& r, double sign) {
  used_.cpu_millicores += sign * r.cpu_millicores;
  used_.memory_mb += sign * r.memory_mb;
  used_.disk_iops += sign * r.disk_iops;
  used_.network_mbps += sign * r.network_mbps;
  used_.gpus += sign * r.gpus;
}

void broker_state::claim(const resource_request& r,
                         grant_answer answer) {
  tick(r.time_us);
  // The user's own hold first, else a reserve instance of the app.
  auto h = find_hold(r.tenant, r.user, r.app);
  bool pooled = h == holds_.end();
  if (pooled)
    h = find_pool(r.app);
  if (h != holds_.end()) {
    // A hit: the held capacity becomes the grant (plus whatever the request
    // needs beyond what was held, if that fits).
    auto held = h->second.what.resources;
    add(held, -1);
    if (fits(r.resources)) {
      auto instance = h->first;
      live_grant g{r.tenant, r.user, r.app, r.resources, r.time_us};
      batch_.clear();
      db_->ledger().erase(batch_, hold_key(instance));
      db_->ledger().put(batch_, ledger_key(instance), encode(g));
      if (auto err = db_->write(batch_)) {
        add(held, +1);
        answer(make_error(actor_errc::storage_failure,
                              "ledger write failed: " + describe(err)));
        return;
      }
      account_idle(h->second, r.time_us);
      if (pooled) {
        ++counters_.reserve_hits;
      } else {
        ++counters_.holds_claimed;
        threshold_.outcome(true); // reserve hits say nothing of predictions
      }
      forget_hold(h);
      admit(instance, std::move(g), true);
      wait_for(instance, {r, std::move(answer), provider_now(), true});
      return;
    }
    add(held, +1); // too small and no room to grow: serve it cold
  } else if (reserve_.enabled()) {
    ++counters_.reserve_misses;
  }
  claim_cold(r, std::move(answer));
}

void broker_state::admit(std::string instance, live_grant g, bool count_demand) {
  add(g.resources, +1);
  if (count_demand) {
    if (auto o = demand_.record(g.app, g.time_us))
      flag_demand(*o);
    // The reserve knows the apps the forecaster follows (bounded memory).
    if (app_size_.size() < demand_tracker::max_apps || app_size_.count(g.app)) {
      reserve_.claimed(g.app, g.time_us);
      app_size_[g.app] = g.resources;
    }
  }
  grants_.emplace(std::move(instance), std::move(g));
}

void broker_state::erase_entry(const std::string& key) {
  batch_.clear();
  db_->ledger().erase(batch_, key);
  if (auto err = db_->write(batch_))
    // The entry stays; the next restart reconciles it away.
    fprintf(stderr, "broker %s: cannot erase %s: %s\n", spec_.name.c_str(),
            key.c_str(), describe(err).c_str());
}

void broker_state::drop_grant(const std::string& instance) {
  auto i = grants_.find(instance);
  if (i == grants_.end())
    return;
  erase_entry(ledger_key(instance));
  add(i->second.resources, -1);
  grants_.erase(i);
}

void broker_state::drop_hold(const std::string& instance) {
  if (auto i = holds_.find(instance); i != holds_.end())
    // A hold whose ledger entry cannot be erased stays (without instance):
    // a claim on it falls back to a cold start; a restart reconciles it.
    static_cast<void>(drop_hold(i));
}

caf::error broker_state::release(const std::string& tenant,
                                 const std::string& user,
                                 const std::string& instance) {
  auto i = grants_.find(instance);
  if (i == grants_.end() || i->second.tenant != tenant || i->second.user != user
      || waiting_.count(instance) != 0)
    return make_error(actor_errc::unknown_instance,
                      "instance " + instance + " is not granted to user '" + user
                        + "'");
  batch_.clear();
  db_->ledger().erase(batch_, ledger_key(instance));
  if (auto err = db_->write(batch_))
    return make_error(actor_errc::storage_failure,
                      "ledger write failed: " + describe(err));
  add(i->second.resources, -1);
  grants_.erase(i);
  release_instance(instance);
  ++counters_.releases;
  return {};
}

double broker_state::utilisation() const {
  const auto& c = spec_.capacity;
  double u = 0;
  if (c.cpu_millicores > 0)
    u = std::max(u, used_.cpu_millicores / c.cpu_millicores);
  if (c.memory_mb > 0)
    u = std::max(u, used_.memory_mb / c.memory_mb);
  return u;
}

std::unordered_map<std::string, broker_state::live_hold>::iterator
broker_state::find_hold(const std::string& tenant, const std::string& user,
                        const std::string& app) {
  // A user holds one or two instances at a time: a scan of them is cheapest.
  auto any = holds_.end();
  auto mine = holds_of_.find(user_key(tenant, user));
  if (mine == holds_of_.end())
    return any;
  for (auto& instance : mine->second) {
    auto i = holds_.find(instance);
    if (i->second.what.app == app)
      return i;
    any = i;
  }
  return any;
}

std::string broker_state::user_key(const std::string& tenant, const std::string& user) {
  return tenant + '\0' + user;
}

void broker_state::index_hold(std::string instance, live_hold h) {
  holds_of_[user_key(h.what.tenant, h.what.user)].push_back(instance);
  holds_.emplace(std::move(instance), std::move(h));
}

void broker_state::forget_hold(std::unordered_map<std::string, live_hold>::iterator i) {
  auto& r = i->second.what.resources;
  held_.cpu_millicores -= r.cpu_millicores;
  held_.memory_mb -= r.memory_mb;
  held_cpu_[i->second.what.tenant] -= r.cpu_millicores;
  auto mine = holds_of_.find(user_key(i->second.what.tenant, i->second.what.user));
  auto& list = mine->second;
  list.erase(std::find(list.begin(), list.end(), i->first));
  if (list.empty())
    holds_of_.erase(mine);
  holds_.erase(i);
}

bool broker_state::within_reserve(const hold_request& r) const {
  const auto& c = spec_.capacity;
  double pool_cpu = spec_.reserve_fraction * c.cpu_millicores;
  double pool_mem = spec_.reserve_fraction * c.memory_mb;
  if (held_.cpu_millicores + r.resources.cpu_millicores > pool_cpu
      || held_.memory_mb + r.resources.memory_mb > pool_mem)
    return false;
  auto mine = held_cpu_.find(r.tenant);
  double tenant_cpu = mine == held_cpu_.end() ? 0 : mine->second;
  return tenant_cpu + r.resources.cpu_millicores <= r.max_reserve_share * pool_cpu;
}

hold_reply broker_state::hold(const hold_request& r) {
  tick(r.time_us);
  hold_reply out;
  out.data_center = spec_.name;
  out.threshold = threshold();
  auto refuse = [&](std::string why) {
    ++counters_.holds_refused;
    out.reason = std::move(why);
    return out;
  };
  if (!(r.confidence >= out.threshold))
    return refuse("confidence " + std::to_string(r.confidence) + " is below "
                  + std::to_string(out.threshold));
  auto expires = r.time_us + spec_.hold_time_us;
  if (r.until_us > r.time_us)
    expires = std::min(expires, r.until_us);
  if (auto h = find_hold(r.tenant, r.user, r.app);
      h != holds_.end() && h->second.what.app == r.app) {
    // Already held: keep it, for as long as the newer prediction says.
    out.held = true;
    out.instance = h->first;
    out.expires_us = h->second.expires_us = std::max(h->second.expires_us, expires);
    return out;
  }
  if (!within_reserve(r) && !displace_for(r))
    return refuse("the tenant's share of the reserve, or the reserve, is full");
  if (!fits(r.resources))
    return refuse("no room");
  auto instance = next_instance();
  live_hold h{{r.tenant, r.user, r.app, r.resources, r.time_us}, expires,
              r.confidence};
  h.priority = r.priority;
  if (auto err = keep_hold(instance, std::move(h)))
    return refuse(describe(err));
  ++counters_.holds_placed;
  out.held = true;
  out.instance = instance;
  out.expires_us = expires;
  return out;
}

bool broker_state::drop_hold(std::unordered_map<std::string, live_hold>::iterator i) {
  batch_.clear();
  db_->ledger().erase(batch_, hold_key(i->first));
  if (auto err = db_->write(batch_))
    return false;
  account_idle(i->second, now_us_);
  add(i->second.what.resources, -1);
  auto instance = i->first;
  forget_hold(i);
  release_instance(instance);
  return true;
}

bool broker_state::displace_for(const hold_request& r) {
  // Only a full reserve is freed for the tenant; a tenant over its own
  // share stays refused (no tenant takes the whole reserve).
  auto mine = held_cpu_.find(r.tenant);
  double tenant_cpu = mine == held_cpu_.end() ? 0 : mine->second;
  if (tenant_cpu + r.resources.cpu_millicores
      > r.max_reserve_share * spec_.reserve_fraction * spec_.capacity.cpu_millicores)
    return false;
  // Victims: reserve instances first (anonymous capacity yields to a
  // predicted user), then holds of lower-priority tenants, lowest priority
  // and then lowest confidence first; none is released unless together
  // they make enough room.
  auto order = [](const live_hold& h) {
    return std::make_tuple(h.what.tenant.empty() ? 0 : 1, h.priority, h.confidence);
  };
  std::vector<std::unordered_map<std::string, live_hold>::iterator> victims;
  for (auto i = holds_.begin(); i != holds_.end(); ++i)
    if (i->second.what.tenant.empty() || i->second.priority < r.priority)
      victims.push_back(i);
  std::sort(victims.begin(), victims.end(),
            [&](auto a, auto b) { return order(a->second) < order(b->second); });
  const auto& c = spec_.capacity;
  double cpu = held_.cpu_millicores + r.resources.cpu_millicores
               - spec_.reserve_fraction * c.cpu_millicores;
  double mem = held_.memory_mb + r.resources.memory_mb - spec_.reserve_fraction * c.memory_mb;
  size_t n = 0;
  for (; n < victims.size() && (cpu > 0 || mem > 0); ++n) {
    cpu -= victims[n]->second.what.resources.cpu_millicores;
    mem -= victims[n]->second.what.resources.memory_mb;
  }
  if (cpu > 0 || mem > 0)
    return false;
  for (size_t k = 0; k < n; ++k) {
    if (!drop_hold(victims[k]))
      return false;
    ++counters_.holds_displaced;
  }
  return within_reserve(r);
}

void broker_state::price_hold(live_hold& h) const {
  // Reserve instances have no expiry: they are priced for one hold time.
  auto until = h.what.user.empty() ? now_us_ + spec_.hold_time_us : h.expires_us;
  h.spot = use_spot(spec_, now_us_, until);
  h.price = h.spot ? spot_price_at(spec_, now_us_) : spec_.price_on_demand;
}

caf::error broker_state::keep_hold(std::string instance, live_hold h) {
  batch_.clear();
  db_->ledger().put(batch_, hold_key(instance), encode(h));
  if (auto err = db_->write(batch_))
    return make_error(actor_errc::storage_failure,
                      "ledger write failed: " + describe(err));
  // Every hold, a user's or the reserve's, is a warm instance of its app.
  if (auto err = provider_->provision_warm(template_for(h.what.app, h.what.resources),
                                           instance, provider_now())) {
    erase_entry(hold_key(instance));
    ++counters_.instances_failed;
    return make_error(actor_errc::provider_failure,
                      "the provider cannot start " + h.what.app + ": " + err.message);
  }
  auto& r = h.what.resources;
  add(r, +1);
  held_.cpu_millicores += r.cpu_millicores;
  held_.memory_mb += r.memory_mb;
  held_cpu_[h.what.tenant] += r.cpu_millicores;
  price_hold(h);
  ++(h.spot ? counters_.warm_spot : counters_.warm_on_demand);
  index_hold(std::move(instance), std::move(h));
  return {};
}

void broker_state::account_idle(const live_hold& h, int64_t until_us) {
  // Warm and waiting, whether the wait ended in a claim or in expiry.
  auto& w = h.what;
  double idle_s = double(std::max<int64_t>(until_us - w.time_us, 0)) / 1e6;
  double cores = w.resources.cpu_millicores / 1000;
  counters_.idle_warm_cpu_s += idle_s * cores;
  counters_.idle_warm_mb_s += idle_s * w.resources.memory_mb;
  counters_.idle_warm_cost += idle_s / 3600 * cores * h.price;
  if (w.user.empty())
    counters_.reserve_idle_cpu_s += idle_s * cores;
}

double broker_state::threshold() const {
  // The price of idle capacity relative to on-demand, the price the target
  // precision was set for: cheaper spot capacity lowers the threshold.
  double share = 1;
  if (spec_.price_on_demand > 0)
    share = capacity_price(spec_, now_us_, now_us_ + spec_.hold_time_us)
            / spec_.price_on_demand;
  return threshold_.at(utilisation(), share);
}

std::unordered_map<std::string, broker_state::live_hold>::iterator
broker_state::find_pool(const std::string& app) {
  // Reserve instances are the holds of the empty tenant and user.
  auto pool = holds_of_.find(user_key("", ""));
  if (pool != holds_of_.end())
    for (auto& instance : pool->second)
      if (auto i = holds_.find(instance); i->second.what.app == app)
        return i;
  return holds_.end();
}

void broker_state::replenish() {
  constexpr int64_t every_us = 60'000'000;
  if (!reserve_.enabled() || now_us_ < next_replenish_us_)
    return;
  next_replenish_us_ = now_us_ - now_us_ % every_us + every_us;
  // The pool as it is: its instances per app and what they take.
  std::unordered_map<std::string, std::vector<std::string>> have;
  resource_vector pool;
  for (auto& [instance, h] : holds_)
    if (h.what.tenant.empty()) {
      have[h.what.app].push_back(instance);
      pool.cpu_millicores += h.what.resources.cpu_millicores;
      pool.memory_mb += h.what.resources.memory_mb;
    }
  auto step = demand_tracker::step_us;
  auto horizon = reserve_.horizon_steps(demand_.open_step_us(), step, now_us_);
  if (demand_.open_step_us() == 0 || horizon > demand_tracker::max_horizon)
    horizon = 1; // nothing served yet, or too long ago: live load decides
  auto f = demand_.forecast(spec_.name, static_cast<int>(horizon));
  const auto& c = spec_.capacity;
  double share = spec_.reserve.pool_share * spec_.reserve_fraction;
  for (auto& series : f.series) {
    auto size = app_size_.find(series.app);
    if (series.app == "*" || size == app_size_.end())
      continue;
    auto& r = size->second;
    auto& mine = have[series.app];
    // Instances of this size that still fit the pool's share, the reserve
    // and the capacity.
    auto times = [](double free, double need) {
      return need <= 0 ? 1e9 : std::max(std::floor(free / need), 0.0);
    };
    double room = std::min({times(share * c.cpu_millicores - pool.cpu_millicores,
                                  r.cpu_millicores),
                            times(share * c.memory_mb - pool.memory_mb, r.memory_mb),
                            times(spec_.reserve_fraction * c.cpu_millicores
                                    - held_.cpu_millicores,
                                  r.cpu_millicores),
                            times(spec_.reserve_fraction * c.memory_mb - held_.memory_mb,
                                  r.memory_mb),
                            times(c.cpu_millicores - used_.cpu_millicores,
                                  r.cpu_millicores),
                            times(c.memory_mb - used_.memory_mb, r.memory_mb)});
    int cap = static_cast<int>(std::min(mine.size() + room, 1e6));
    auto want = static_cast<size_t>(
      reserve_.target(series.app, series, f.start_us, step, now_us_, cap));
    while (mine.size() < want) {
      auto instance = next_instance();
      live_hold h{{"", "", series.app, r, now_us_}, INT64_MAX, 0};
      if (auto err = keep_hold(instance, std::move(h))) {
        fprintf(stderr, "broker %s: cannot add to the warm reserve: %s\n",
                spec_.name.c_str(), describe(err).c_str());
        break;
      }
      mine.push_back(std::move(instance));
      pool.cpu_millicores += r.cpu_millicores;
      pool.memory_mb += r.memory_mb;
    }
    while (mine.size() > want) {
      auto i = holds_.find(mine.back());
      auto r = i->second.what.resources;
      if (!drop_hold(i))
        break; // kept until the next evaluation: nothing leaks
      mine.pop_back();
      pool.cpu_millicores -= r.cpu_millicores;
      pool.memory_mb -= r.memory_mb;
    }
  }
}

void broker_state::tick(int64_t now_us) {
  if (now_us <= now_us_)
    return;
  now_us_ = now_us;
  if (!clock_) // event time drives a simulated provider
    on_events(provider_->poll(now_us_), now_us_);
  std::vector<std::string> expired;
  for (auto& [instance, h] : holds_)
    if (h.expires_us <= now_us_)
      expired.push_back(instance);
  if (expired.empty()) {
    replenish();
    return;
  }
  batch_.clear();
  for (auto& instance : expired)
    db_->ledger().erase(batch_, hold_key(instance));
  if (auto err = db_->write(batch_)) {
    // Kept until the next tick: capacity held a little longer, nothing leaks.
    fprintf(stderr, "broker %s: cannot release expired holds: %s\n",
            spec_.name.c_str(), describe(err).c_str());
    return;
  }
  for (auto& instance : expired) {
    auto i = holds_.find(instance);
    account_idle(i->second, i->second.expires_us);
    add(i->second.what.resources, -1);
    ++counters_.holds_expired;
    threshold_.outcome(false);
    forget_hold(i);
    release_instance(instance);
  }
  replenish();
}

data_center_forecast broker_state::forecast(int horizon_steps) const {
  return demand_.forecast(spec_.name, horizon_steps);
}

void broker_state::flag_demand(const demand_tracker::outlier& o) {
  char reason[160];
  std::snprintf(reason, sizeof reason,
                "%.0f requests in a %d-minute step %s the 95%% interval %.1f - %.1f "
                "(forecast %.1f)",
                o.count, int(demand_tracker::step_us / 60'000'000),
                o.count > o.upper95 ? "above" : "below", o.lower95, o.upper95, o.point);
  anomaly a;
  a.data_center = spec_.name;
  a.kind = "demand_outside_forecast";
  a.time_us = o.step_us;
  a.reason = reason;
  anomalies_.push(std::move(a));
}

broker_stats broker_state::stats() const {
  auto s = counters_;
  s.status.cpu_capacity_millicores = spec_.capacity.cpu_millicores;
  s.status.cpu_used_millicores = used_.cpu_millicores;
  s.status.memory_capacity_mb = spec_.capacity.memory_mb;
  s.status.memory_used_mb = used_.memory_mb;
  s.status.instances_granted = grants_.size() - waiting_.size();
  s.claims_waiting = waiting_.size();
  s.forecast_refits_pending = demand_.refits_pending();
  s.prewarm_threshold = threshold();
  s.reserve_live = 0;
  for (auto& [instance, h] : holds_)
    s.reserve_live += h.what.tenant.empty() ? 1 : 0;
  s.holds_live = holds_.size() - s.reserve_live;
  s.anomalies_flagged = anomalies_.flagged();
  const auto& f = demand_.total_status();
  s.demand_steps = f.observations;
  if (f.retrains > 0) {
    s.demand_forecast_fitted = true;
    s.demand_forecast_mae = f.recent_error;
    s.demand_forecast_coverage95 = f.recent_coverage95;
  }
  return s;
}

} // namespace prescient
