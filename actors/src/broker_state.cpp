#include "broker_state.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "prescient/actors/errc.hpp"

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

void broker_state::init(storage::db* db, data_center_spec spec) {
  db_ = db;
  spec_ = std::move(spec);
  threshold_ = prewarm_threshold(spec_.target_precision);
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
    keep_hold(std::move(instance), std::move(h));
    return true;
  });
  if (err)
    return err;
  return scan("grant", [&](std::string instance, std::string_view value) {
    live_grant g;
    if (!decode(value, g))
      return false;
    add(g.resources, +1);
    grants_.emplace(std::move(instance), std::move(g));
    return true;
  });
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

caf::expected<grant> broker_state::claim(const resource_request& r) {
  tick(r.time_us);
  if (auto h = find_hold(r.tenant, r.user, r.app); h != holds_.end()) {
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
        return make_error(actor_errc::storage_failure,
                          "ledger write failed: " + describe(err));
      }
      count_idle(h->second, r.time_us);
      forget_hold(h);
      ++counters_.holds_claimed;
      threshold_.outcome(true);
      return granted(std::move(instance), std::move(g), grant_path::prewarmed);
    }
    add(held, +1); // too small and no room to grow: serve it cold
  }
  if (!fits(r.resources)) {
    ++counters_.refusals;
    return make_error(actor_errc::no_capacity,
                      "data center " + spec_.name + " has no room for the request");
  }
  auto instance = next_instance();
  live_grant g{r.tenant, r.user, r.app, r.resources, r.time_us};
  batch_.clear();
  db_->ledger().put(batch_, ledger_key(instance), encode(g));
  if (auto err = db_->write(batch_))
    return make_error(actor_errc::storage_failure,
                      "ledger write failed: " + describe(err));
  return granted(std::move(instance), std::move(g), grant_path::reactive);
}

grant broker_state::granted(std::string instance, live_grant g, grant_path path) {
  add(g.resources, +1);
  if (auto o = demand_.record(g.app, g.time_us))
    flag_demand(*o);
  grants_.emplace(instance, std::move(g));
  ++(path == grant_path::reactive ? counters_.grants_reactive : counters_.grants_prewarmed);
  grant out;
  out.data_center = spec_.name;
  out.instance = std::move(instance);
  out.path = path;
  return out;
}

caf::error broker_state::release(const std::string& tenant,
                                 const std::string& user,
                                 const std::string& instance) {
  auto i = grants_.find(instance);
  if (i == grants_.end() || i->second.tenant != tenant || i->second.user != user)
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

void broker_state::keep_hold(std::string instance, live_hold h) {
  holds_of_[user_key(h.what.tenant, h.what.user)].push_back(instance);
  holds_.emplace(std::move(instance), std::move(h));
}

void broker_state::count_idle(const live_hold& h, int64_t end_us) {
  // Warm and waiting, whether the wait ended in a claim or in expiry.
  auto& w = h.what;
  double idle_s = double(std::max<int64_t>(0, end_us - w.time_us)) / 1e6;
  counters_.idle_warm_cpu_s += idle_s * w.resources.cpu_millicores / 1000;
  counters_.idle_warm_mb_s += idle_s * w.resources.memory_mb;
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
  out.threshold = threshold_.at(utilisation());
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
  if (!within_reserve(r))
    return refuse("the tenant's share of the reserve, or the reserve, is full");
  if (!fits(r.resources))
    return refuse("no room");
  auto instance = next_instance();
  live_hold h{{r.tenant, r.user, r.app, r.resources, r.time_us}, expires,
              r.confidence};
  batch_.clear();
  db_->ledger().put(batch_, hold_key(instance), encode(h));
  if (auto err = db_->write(batch_))
    return refuse("ledger write failed: " + describe(err));
  add(r.resources, +1);
  held_.cpu_millicores += r.resources.cpu_millicores;
  held_.memory_mb += r.resources.memory_mb;
  held_cpu_[r.tenant] += r.resources.cpu_millicores;
  ++counters_.holds_placed;
  out.held = true;
  out.instance = instance;
  out.expires_us = expires;
  keep_hold(std::move(instance), std::move(h));
  return out;
}

void broker_state::tick(int64_t now_us) {
  if (now_us <= now_us_)
    return;
  now_us_ = now_us;
  std::vector<std::string> expired;
  for (auto& [instance, h] : holds_)
    if (h.expires_us <= now_us_)
      expired.push_back(instance);
  if (expired.empty())
    return;
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
    count_idle(i->second, i->second.expires_us);
    add(i->second.what.resources, -1);
    ++counters_.holds_expired;
    threshold_.outcome(false);
    forget_hold(i);
  }
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
  s.status.instances_granted = grants_.size();
  s.forecast_refits_pending = demand_.refits_pending();
  s.holds_live = holds_.size();
  s.prewarm_threshold = threshold_.at(utilisation());
  s.anomalies_flagged = anomalies_.flagged();
  return s;
}

} // namespace prescient
