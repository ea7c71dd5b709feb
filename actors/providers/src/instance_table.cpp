#include "instance_table.hpp"

namespace prescient::providers {

provider_error make_error(provider_errc code, std::string message) {
  return provider_error{code, std::move(message)};
}

bool instance_table::fits(const resource_vector& r) const {
  // A little slack so that sums of doubles that release and re-take the
  // same resources never refuse what exactly fits.
  constexpr double eps = 1e-9;
  const auto& c = capacity_;
  return used_.cpu_millicores + r.cpu_millicores <= c.cpu_millicores + eps
         && used_.memory_mb + r.memory_mb <= c.memory_mb + eps
         && used_.disk_iops + r.disk_iops <= c.disk_iops + eps
         && used_.network_mbps + r.network_mbps <= c.network_mbps + eps
         && used_.gpus + r.gpus <= c.gpus + eps;
}

void instance_table::add(const resource_vector& r, double sign) {
  used_.cpu_millicores += sign * r.cpu_millicores;
  used_.memory_mb += sign * r.memory_mb;
  used_.disk_iops += sign * r.disk_iops;
  used_.network_mbps += sign * r.network_mbps;
  used_.gpus += sign * r.gpus;
}

provider_error instance_table::admit(const app_template& app,
                                     const std::string& id, bool warm,
                                     time_us now, instance_record*& out) {
  out = nullptr;
  if (closed_)
    return make_error(provider_errc::shut_down, "the provider is shut down");
  if (app.name.empty() || id.empty())
    return make_error(provider_errc::bad_template,
                      "app name and instance id must not be empty");
  if (records_.count(id) != 0)
    return make_error(provider_errc::duplicate_instance,
                      "instance " + id + " already exists");
  if (!fits(app.resources))
    return make_error(provider_errc::no_capacity,
                      "no room for an instance of " + app.name);
  auto& rec = records_[id];
  rec.info.id = id;
  rec.info.app = app.name;
  rec.info.warm = warm;
  rec.info.resources = app.resources;
  rec.steps = warm ? app.warmup_steps.size() : 0;
  rec.provisioned_at = now;
  add(app.resources, +1);
  out = &rec;
  return {};
}

void instance_table::adopt(instance_info info) {
  add(info.resources, +1);
  auto id = info.id;
  records_[id].info = std::move(info);
}

instance_record* instance_table::find(const std::string& id) {
  auto i = records_.find(id);
  return i == records_.end() ? nullptr : &i->second;
}

outcome<handover> instance_table::hand_over(const std::string& id,
                                            time_us now, int64_t delay_us) {
  auto* rec = find(id);
  if (rec == nullptr)
    return make_error(provider_errc::unknown_instance,
                      "no instance " + id);
  if (rec->info.state == instance_state::handed_over)
    return make_error(provider_errc::already_handed_over,
                      "instance " + id + " is already handed over");
  if (rec->info.state != instance_state::ready)
    return make_error(provider_errc::not_ready,
                      "instance " + id + " is still "
                        + to_string(rec->info.state));
  rec->info.state = instance_state::handed_over;
  handover h;
  h.endpoint = rec->info.endpoint;
  h.path = !rec->info.warm  ? grant_path::reactive
           : rec->steps > 0 ? grant_path::shadow
                            : grant_path::prewarmed;
  h.startup_us = rec->started_at - rec->provisioned_at;
  h.warmup_us = rec->ready_at - rec->started_at;
  // A cold instance was started for this request: it waited all along.
  h.wait_us = rec->info.warm ? delay_us : now - rec->provisioned_at + delay_us;
  return h;
}

bool instance_table::erase(const std::string& id) {
  auto i = records_.find(id);
  if (i == records_.end())
    return false;
  add(i->second.info.resources, -1);
  records_.erase(i);
  return true;
}

std::vector<instance_info> instance_table::list() const {
  std::vector<instance_info> out;
  out.reserve(records_.size());
  for (auto& [id, rec] : records_)
    out.push_back(rec.info);
  return out;
}

} // namespace prescient::providers
