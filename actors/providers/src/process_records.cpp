// The process provider's records in its state directory, and the adoption
// of the children that survived a crash of the node (see process_provider.hpp).
#include "prescient/providers/process_provider.hpp"

#include "instance_files.hpp"
#include "instance_table.hpp"
#include "process_child.hpp"

namespace prescient::providers {

void process_provider::adopt_survivors() {
  for (auto& f : read_instance_files(cfg_.state_dir)) {
    auto ticks = process_start_ticks(f.pid);
    if (ticks == 0 || ticks != f.start_ticks || children_.count(f.id) != 0) {
      remove_instance_file(cfg_.state_dir, f.id); // gone, or a reused pid
      continue;
    }
    instance_info info;
    info.id = f.id;
    info.app = f.app;
    info.state = instance_state::handed_over;
    info.resources = f.resources;
    info.endpoint = f.endpoint;
    info.pid = f.pid;
    table_->adopt(info);
    auto c = std::make_unique<child>();
    c->id = f.id;
    c->phase = child::phase_t::ready;
    c->proc.pid = f.pid;
    c->proc.adopted = true;
    c->proc.start_ticks = ticks;
    children_.emplace(f.id, std::move(c));
  }
}

bool process_provider::record(const std::string& id, const child& c) {
  if (cfg_.state_dir.empty())
    return true;
  auto* rec = table_->find(id);
  instance_file f;
  f.id = id;
  f.app = rec->info.app;
  f.endpoint = rec->info.endpoint;
  f.pid = c.proc.pid;
  f.start_ticks = c.proc.start_ticks;
  f.resources = rec->info.resources;
  return write_instance_file(cfg_.state_dir, f);
}

void process_provider::forget(const std::string& id) {
  if (!cfg_.state_dir.empty())
    remove_instance_file(cfg_.state_dir, id);
}

} // namespace prescient::providers
