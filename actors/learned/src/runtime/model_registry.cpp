#include "prescient/learned/model_registry.hpp"

#include <atomic>

namespace prescient::learned {

model_registry::model_registry() : table_(std::make_shared<const table>()) {
  // nop
}

model_snapshot model_registry::current(std::string_view tenant) const {
  auto t = std::atomic_load(&table_);
  auto i = t->find(tenant);
  return i == t->end() ? nullptr : i->second;
}

bool model_registry::publish(model_snapshot m) {
  if (!m || !m->model || !m->vocab)
    return false;
  std::lock_guard<std::mutex> guard{publish_mtx_};
  auto old = std::atomic_load(&table_);
  if (auto i = old->find(m->tenant); i != old->end() && i->second->version >= m->version)
    return false;
  auto next = std::make_shared<table>(*old);
  (*next)[m->tenant] = std::move(m);
  std::atomic_store(&table_, std::shared_ptr<const table>{std::move(next)});
  ++publications_;
  return true;
}

std::vector<model_snapshot> model_registry::all() const {
  auto t = std::atomic_load(&table_);
  std::vector<model_snapshot> out;
  out.reserve(t->size());
  for (auto& [tenant, m] : *t)
    out.push_back(m);
  return out;
}

uint64_t model_registry::publications() const {
  std::lock_guard<std::mutex> guard{publish_mtx_};
  return publications_;
}

} // namespace prescient::learned
