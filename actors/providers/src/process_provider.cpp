#include "prescient/providers/process_provider.hpp"

#include <signal.h>

#include <chrono>
#include <thread>

#include "child_process.hpp"
#include "instance_files.hpp"
#include "instance_table.hpp"
#include "process_child.hpp"

namespace prescient::providers {

namespace {

constexpr time_us ms_to_us(std::chrono::milliseconds ms) {
  return static_cast<time_us>(ms.count()) * 1000;
}

// While only ready instances run, poll this often to notice crashes.
constexpr time_us idle_poll_us = 1'000'000;

bool starts_with(const std::string& s, const char* prefix) {
  return s.compare(0, std::char_traits<char>::length(prefix), prefix) == 0;
}

} // namespace

time_us process_provider::now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch())
    .count();
}

process_provider::process_provider(process_config cfg)
  : cfg_(std::move(cfg)),
    table_(std::make_unique<instance_table>(cfg_.capacity)) {
  if (!cfg_.state_dir.empty())
    adopt_survivors();
}

process_provider::~process_provider() {
  shutdown();
}

resource_vector process_provider::capacity() const {
  return table_->capacity();
}

resource_vector process_provider::used() const {
  return table_->used();
}

provider_error process_provider::provision(const app_template& app,
                                           const std::string& id, bool warm) {
  auto now = now_us();
  auto c = std::make_unique<child>();
  if (!app.ready_probe.empty()) {
    c->probe = tcp_probe::parse(app.ready_probe);
    if (!c->probe)
      return {provider_errc::bad_template,
              "ready_probe '" + app.ready_probe + "' is not tcp:HOST:PORT"};
  }
  if (app.command.empty())
    return {provider_errc::bad_template, "app " + app.name + " has no command"};
  instance_record* rec = nullptr;
  if (auto err = table_->admit(app, id, warm, now, rec))
    return err;
  auto env = cfg_.environment;
  env.push_back("PRESCIENT_INSTANCE=" + id);
  if (auto err = spawn_child(app.command, env, c->proc)) {
    table_->erase(id);
    return err;
  }
  rec->info.pid = c->proc.pid;
  c->id = id;
  c->proc.start_ticks = process_start_ticks(c->proc.pid);
  if (!record(id, *c)) {
    // Unrecorded, a crash of the node would leave it running unseen.
    kill_and_reap(c->proc);
    table_->erase(id);
    return {provider_errc::spawn_failed,
            "cannot write the record of instance " + id + " under '" + cfg_.state_dir
              + "'; the process was stopped so that a crash cannot leak it"};
  }
  if (warm)
    c->steps = app.warmup_steps;
  c->step_timeout_us = ms_to_us(app.step_timeout);
  c->deadline = now + ms_to_us(app.start_timeout);
  children_.emplace(id, std::move(c));
  return {};
}

provider_error process_provider::provision_warm(const app_template& app,
                                                const std::string& id,
                                                time_us) {
  return provision(app, id, true);
}

provider_error process_provider::provision_cold(const app_template& app,
                                                const std::string& id,
                                                time_us) {
  return provision(app, id, false);
}

bool process_provider::advance(const std::string& id, child& c, time_us now,
                               provider_error& error) {
  using phase_t = child::phase_t;
  if (c.proc.adopted) {
    // No line channel to it any more: only its end can be seen.
    if (!try_reap(c.proc))
      return true;
    error = {provider_errc::exited_early,
             "adopted instance " + id + " " + describe_end(c.proc)};
    return false;
  }
  auto& rec = *table_->find(id);
  auto send_step = [&] {
    c.deadline = now + c.step_timeout_us;
    return send_line(c.proc, c.steps[c.acked]);
  };
  auto started = [&](std::string endpoint) {
    rec.started_at = now;
    rec.info.endpoint = std::move(endpoint);
    // A failed rewrite keeps the record of provisioning (pid and start
    // time), enough to find and stop the process after a crash.
    static_cast<void>(record(id, c));
    if (c.steps.empty()) {
      c.phase = phase_t::ready;
      rec.ready_at = now;
      rec.info.state = instance_state::ready;
      return true;
    }
    c.phase = phase_t::warming;
    rec.info.state = instance_state::warming;
    return send_step();
  };
  bool eof = false;
  bool sent = true;
  for (auto& line : read_lines(c.proc, eof)) {
    if (c.phase == phase_t::starting && !c.probe
        && (line == "READY" || starts_with(line, "READY "))) {
      sent = started(line.size() > 6 ? line.substr(6) : std::string{});
    } else if (c.phase == phase_t::warming && line == "OK") {
      if (++c.acked == c.steps.size()) {
        c.phase = phase_t::ready;
        rec.ready_at = now;
        rec.info.state = instance_state::ready;
      } else {
        sent = send_step();
      }
    } else if (c.phase == phase_t::warming && starts_with(line, "FAIL")) {
      error = {provider_errc::step_failed,
               "instance " + id + ": warm-up step " + std::to_string(c.acked + 1)
                 + " ('" + c.steps[c.acked] + "') failed: " + line};
      return false;
    } else {
      remember(c.proc, std::move(line));
    }
  }
  if (c.phase == phase_t::starting && c.probe && c.probe->connects())
    sent = started(c.probe->endpoint());
  if (try_reap(c.proc) || eof || !sent) {
    // Gone, or no longer listening: it can never (again) serve a request.
    auto when = c.phase == phase_t::ready ? " after it was ready: "
                                          : " before it was ready: ";
    if (!c.proc.reaped)
      kill_and_reap(c.proc);
    error = {provider_errc::exited_early,
             "instance " + id + " (" + rec.info.app + ")" + when
               + describe_end(c.proc)};
    return false;
  }
  if (c.phase != phase_t::ready && now > c.deadline) {
    error = {provider_errc::timed_out,
             "instance " + id + " (" + rec.info.app + ") timed out "
               + (c.phase == phase_t::starting
                    ? std::string("waiting for READY")
                    : "in warm-up step " + std::to_string(c.acked + 1))};
    if (!c.proc.tail.empty())
      error.message += "; last output: " + c.proc.tail.back();
    return false;
  }
  return true;
}

std::vector<provider_event> process_provider::poll(time_us) {
  auto now = now_us();
  std::vector<provider_event> out;
  for (auto i = children_.begin(); i != children_.end();) {
    auto& [id, c] = *i;
    bool was_ready = c->phase == child::phase_t::ready;
    provider_error error;
    if (advance(id, *c, now, error)) {
      if (!was_ready && c->phase == child::phase_t::ready)
        out.push_back({provider_event::kind_t::ready, id, {}});
      ++i;
      continue;
    }
    out.push_back({provider_event::kind_t::failed, id, std::move(error)});
    // A failed child gets no grace: it is of no use to anyone.
    kill_and_reap(c->proc);
    forget(id);
    table_->erase(id);
    i = children_.erase(i);
  }
  finish_dying(now, false);
  return out;
}

std::optional<time_us> process_provider::next_poll(time_us) const {
  auto now = now_us();
  if (!dying_.empty())
    return now + ms_to_us(cfg_.poll_interval);
  for (auto& [id, c] : children_)
    if (c->phase != child::phase_t::ready)
      return now + ms_to_us(cfg_.poll_interval);
  if (!children_.empty())
    return now + idle_poll_us;
  return std::nullopt;
}

outcome<handover> process_provider::hand_over(const std::string& id,
                                              time_us) {
  // A child that died since the last poll must not be granted; the next
  // poll() reports it as failed.
  auto i = children_.find(id);
  if (i != children_.end() && try_reap(i->second->proc))
    return provider_error{provider_errc::exited_early,
                          "instance " + id + " has exited: "
                            + describe_end(i->second->proc)};
  // The endpoint is known since READY: handing it over costs nothing more.
  return table_->hand_over(id, now_us(), 0);
}

provider_error process_provider::release(const std::string& id, time_us) {
  auto i = children_.find(id);
  if (i == children_.end())
    return {provider_errc::unknown_instance, "no instance " + id};
  auto c = std::move(i->second);
  children_.erase(i);
  table_->erase(id);
  // End of file on its stdin as well as SIGTERM: either asks it to stop.
  close_channel(c->proc);
  signal_group(c->proc, SIGTERM);
  c->kill_at = now_us() + ms_to_us(cfg_.grace);
  dying_.push_back(std::move(c));
  return {};
}

void process_provider::finish_dying(time_us now, bool force) {
  for (auto i = dying_.begin(); i != dying_.end();) {
    auto& c = (*i)->proc;
    if (force)
      kill_and_reap(c);
    else if (!try_reap(c) && now >= (*i)->kill_at)
      signal_group(c, SIGKILL); // reaped at a later poll
    if (!c.reaped) {
      ++i;
      continue;
    }
    // Only now: a crash during the grace leaves the record for adoption.
    // (Unless the id is live again: the record is the new instance's.)
    if (children_.count((*i)->id) == 0)
      forget((*i)->id);
    i = dying_.erase(i);
  }
}

std::vector<instance_info> process_provider::list() const {
  return table_->list();
}

size_t process_provider::dying() const noexcept {
  return dying_.size();
}

void process_provider::shutdown() {
  table_->close();
  std::vector<std::string> ids;
  for (auto& [id, c] : children_)
    ids.push_back(id);
  for (auto& id : ids)
    static_cast<void>(release(id, 0));
  // Give them their grace to stop cleanly, then kill what is left.
  auto deadline = now_us() + ms_to_us(cfg_.grace);
  while (!dying_.empty() && now_us() < deadline) {
    finish_dying(now_us(), false);
    if (!dying_.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  finish_dying(now_us(), true);
}

} // namespace prescient::providers
