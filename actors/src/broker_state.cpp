#include "broker_state.hpp"

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
  counters_.status.name = spec_.name;
  counters_.status.region = spec_.region;
}

std::string broker_state::ledger_key(const std::string& instance) const {
  return "grant/" + spec_.name + "/" + instance;
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
  auto prefix = "grant/" + spec_.name + "/";
  caf::error bad;
  auto err = db_->ledger().scan(prefix, [&](std::string_view key,
                                            std::string_view value) {
    live_grant g;
    std::string instance(key.substr(prefix.size()));
    if (!decode(value, g)) {
      bad = make_error(actor_errc::storage_failure,
                       "ledger entry " + std::string(key) + " is unreadable");
      return;
    }
    add(g.resources, +1);
    // Instance ids are "<dc>-<n>": continue numbering after the largest.
    auto dash = instance.rfind('-');
    if (dash != std::string::npos)
      next_instance_ = std::max<uint64_t>(
        next_instance_, std::strtoull(instance.c_str() + dash + 1, nullptr, 10) + 1);
    grants_.emplace(std::move(instance), std::move(g));
  });
  return err ? err : bad;
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
  if (!fits(r.resources)) {
    ++counters_.refusals;
    return make_error(actor_errc::no_capacity,
                      "data center " + spec_.name + " has no room for the request");
  }
  auto instance = spec_.name + "-" + std::to_string(next_instance_);
  live_grant g{r.tenant, r.user, r.app, r.resources, r.time_us};
  batch_.clear();
  db_->ledger().put(batch_, ledger_key(instance), encode(g));
  if (auto err = db_->write(batch_))
    return make_error(actor_errc::storage_failure,
                      "ledger write failed: " + describe(err));
  ++next_instance_;
  add(r.resources, +1);
  grants_.emplace(instance, std::move(g));
  ++counters_.grants_reactive;
  demand_.record(r.app, r.time_us);
  grant out;
  out.data_center = spec_.name;
  out.instance = std::move(instance);
  out.path = grant_path::reactive;
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

data_center_forecast broker_state::forecast(int horizon_steps) const {
  return demand_.forecast(spec_.name, horizon_steps);
}

broker_stats broker_state::stats() const {
  auto s = counters_;
  s.status.cpu_capacity_millicores = spec_.capacity.cpu_millicores;
  s.status.cpu_used_millicores = used_.cpu_millicores;
  s.status.memory_capacity_mb = spec_.capacity.memory_mb;
  s.status.memory_used_mb = used_.memory_mb;
  s.status.instances_granted = grants_.size();
  s.forecast_refits_pending = demand_.refits_pending();
  return s;
}

} // namespace prescient
