#include "prescient/providers/simulated_provider.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "instance_table.hpp"

namespace prescient::providers {

simulated_provider::simulated_provider(simulated_config cfg)
  : cfg_(std::move(cfg)),
    rng_(cfg_.seed),
    table_(std::make_unique<instance_table>(cfg_.capacity)) {
  // nop
}

simulated_provider::~simulated_provider() = default;

resource_vector simulated_provider::capacity() const {
  return table_->capacity();
}

resource_vector simulated_provider::used() const {
  return table_->used();
}

provider_error simulated_provider::provision(const app_template& app,
                                             const std::string& id, bool warm,
                                             time_us now) {
  instance_record* rec = nullptr;
  if (auto err = table_->admit(app, id, warm, now, rec))
    return err;
  rec->started_at = now + cfg_.cold_start.draw_us(rng_);
  rec->ready_at = rec->started_at;
  for (size_t i = 0; i < rec->steps; ++i)
    rec->ready_at += cfg_.warmup_step.draw_us(rng_);
  // Drawn even when failure_rate is 0, so that changing the rate does not
  // shift every later delay of a replay.
  double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53; // [0, 1)
  if (u < cfg_.failure_rate)
    fails_[id] = true;
  rec->info.endpoint = "sim://" + cfg_.data_center + "/" + id;
  return {};
}

provider_error simulated_provider::provision_warm(const app_template& app,
                                                  const std::string& id,
                                                  time_us now) {
  return provision(app, id, true, now);
}

provider_error simulated_provider::provision_cold(const app_template& app,
                                                  const std::string& id,
                                                  time_us now) {
  return provision(app, id, false, now);
}

std::vector<provider_event> simulated_provider::poll(time_us now) {
  // Events in the order they happened in event time; ties by id.
  std::vector<std::tuple<time_us, std::string, bool>> due;
  for (auto& [id, rec] : table_->records()) {
    auto state = rec.info.state;
    if (state == instance_state::ready || state == instance_state::handed_over)
      continue;
    if (fails_.count(id) != 0 && rec.started_at <= now)
      due.emplace_back(rec.started_at, id, false);
    else if (rec.ready_at <= now)
      due.emplace_back(rec.ready_at, id, true);
    else if (rec.started_at <= now)
      rec.info.state = instance_state::warming;
  }
  std::sort(due.begin(), due.end());
  std::vector<provider_event> out;
  for (auto& [t, id, ok] : due) {
    provider_event ev;
    ev.instance = id;
    if (ok) {
      table_->find(id)->info.state = instance_state::ready;
    } else {
      ev.kind = provider_event::kind_t::failed;
      ev.error = {provider_errc::exited_early,
                  "simulated start failure of " + id};
      table_->erase(id);
      fails_.erase(id);
    }
    out.push_back(std::move(ev));
  }
  return out;
}

std::optional<time_us> simulated_provider::next_poll(time_us) const {
  std::optional<time_us> next;
  for (auto& [id, rec] : table_->records()) {
    auto state = rec.info.state;
    if (state == instance_state::ready || state == instance_state::handed_over)
      continue;
    auto t = fails_.count(id) != 0 ? rec.started_at : rec.ready_at;
    if (!next || t < *next)
      next = t;
  }
  return next;
}

outcome<handover> simulated_provider::hand_over(const std::string& id,
                                                time_us now) {
  auto* rec = table_->find(id);
  // Only a warm instance costs a hand-over delay; draw it only when the
  // hand-over happens so that refused ones do not shift the sequence.
  int64_t delay = 0;
  if (rec != nullptr && rec->info.warm
      && rec->info.state == instance_state::ready)
    delay = cfg_.warm_start.draw_us(rng_);
  return table_->hand_over(id, now, delay);
}

provider_error simulated_provider::release(const std::string& id, time_us) {
  fails_.erase(id);
  if (!table_->erase(id))
    return make_error(provider_errc::unknown_instance, "no instance " + id);
  return {};
}

std::vector<instance_info> simulated_provider::list() const {
  return table_->list();
}

void simulated_provider::shutdown() {
  // Nothing runs: forgetting the instances releases them.
  *table_ = instance_table(cfg_.capacity);
  table_->close();
  fails_.clear();
}

} // namespace prescient::providers
