// prescient-learned-train: runs the node's trainer once on a neutral event
// CSV (time_s,user,device,session,app). The events are stored as launches in
// a RocksDB (as shards store them), the trainer reads them back, trains,
// scores the learned and the online model on each user's last events and
// publishes or rejects; the outcome is printed.
//
//   prescient-learned-train events.csv [--db DIR] [--json] [--max-steps N] ...

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include <unistd.h>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "event_csv.hpp"
#include "model_flags.hpp"
#include "prescient/learned/model_persistence.hpp"
#include "prescient/learned/trainer.hpp"
#include "prescient/storage/db.hpp"

using namespace prescient;
using namespace prescient::learned;

namespace {

uint64_t session_id(const std::string& s) {
  if (s.empty())
    return 0;
  uint64_t h = 1469598103934665603ull;  // FNV-1a; 0 means "no session"
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  return h | 1;
}

void store(storage::db& db, const std::string& tenant, const tools::user_events& u) {
  storage::write_batch batch;
  std::map<std::string, std::pair<uint32_t, std::unique_ptr<storage::chunk_builder>>> open;
  auto seal = [&](const std::string& device, auto& slot) {
    db.series().put(batch, {tenant, u.user, device, slot.second->bucket_start_us(), slot.first++},
                    *slot.second);
  };
  for (auto& e : u.events) {
    usage_event ev;
    ev.tenant = tenant;
    ev.user = u.user;
    ev.device = e.device;
    ev.app = e.app;
    ev.kind = event_kind::launch;
    ev.time_us = static_cast<int64_t>(e.time_s * 1e6);
    ev.session = session_id(e.session);
    auto& slot = open[e.device];
    if (!slot.second || !slot.second->accepts(ev.time_us)) {
      if (slot.second)
        seal(e.device, slot);
      slot.second = std::make_unique<storage::chunk_builder>(ev.time_us);
    }
    slot.second->append(ev);
  }
  for (auto& [device, slot] : open)
    seal(device, slot);
  if (auto err = db.write(batch))
    throw std::runtime_error("storing events: " + caf::to_string(err));
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run the learned-model trainer once on a neutral event CSV"};
  std::string path, dir;
  bool as_json = false;
  std::string tenant = "tenant";
  trainer_options o;
  o.interval = std::chrono::milliseconds{0};
  o.max_events_per_user = 1'000'000;
  auto& m = o.model;
  app.add_option("csv", path, "neutral event CSV (time_s,user,device,session,app)")->required();
  app.add_option("--db", dir, "RocksDB directory (default: a temporary one, removed)");
  app.add_flag("--json", as_json, "print JSON");
  app.add_option("--heldout", o.heldout_fraction, "share of each user's events held out");
  app.add_option("--min-gain", o.min_gain_nats, "nats the learned model must win by");
  app.add_option("--max-users", o.max_users);
  app.add_option("--max-events-per-user", o.max_events_per_user);
  tools::add_model_flags(app, m);
  CLI11_PARSE(app, argc, argv);

  bool temporary = dir.empty();
  if (temporary)
    dir = (std::filesystem::temp_directory_path()
           / ("prescient-learned-train-" + std::to_string(::getpid())))
            .string();
  int rc = 0;
  try {
    auto users = tools::read_csv(path);
    storage::db_options dbo;
    dbo.path = dir;
    auto db = storage::db::open(dbo);
    if (!db)
      throw std::runtime_error("opening " + dir + ": " + caf::to_string(db.error()));
    for (auto& u : users)
      store(**db, tenant, u);
    auto registry = std::make_shared<model_registry>();
    auto reloaded = reload_published(**db, *registry);
    for (auto& p : reloaded.problems)
      std::cerr << "reload: " << p << "\n";
    set_torch_threads(m.threads);
    trainer t{**db, registry, o};
    for (auto& r : t.run(true)) {
      const auto& f = r.figures;
      if (as_json) {
        nlohmann::json j = {
          {"tenant", r.tenant}, {"result", to_string(r.result)}, {"version", r.version},
          {"current", r.current}, {"message", r.message}, {"collect_s", r.collect_s},
          {"train_s", r.train_s}, {"evaluate_s", r.evaluate_s}, {"train_steps", r.train_steps}, {"predict_us", r.predict_us},
          {"stopped_by_budget", r.stopped_by_budget},
          {"figures", {{"users", f.users}, {"train_events", f.train_events},
                       {"predictions", f.predictions}, {"learned_top1", f.learned_top1},
                       {"learned_logloss", f.learned_logloss}, {"online_top1", f.online_top1},
                       {"online_logloss", f.online_logloss}, {"combined_top1", f.combined_top1},
                       {"combined_logloss", f.combined_logloss}}}};
        std::cout << j.dump(2) << "\n";
      } else {
        std::printf("tenant %s: %s version %llu (current %llu): %s\n", r.tenant.c_str(),
                    to_string(r.result), (unsigned long long)r.version,
                    (unsigned long long)r.current, r.message.c_str());
        std::printf("  %llu users, %llu training events, %llu held-out predictions\n",
                    (unsigned long long)f.users, (unsigned long long)f.train_events,
                    (unsigned long long)f.predictions);
        std::printf("  learned top-1 %.4f log loss %.4f | online top-1 %.4f log loss %.4f\n",
                    f.learned_top1, f.learned_logloss, f.online_top1, f.online_logloss);
        std::printf("  online with the learned model as its external component: top-1 %.4f log loss %.4f\n",
                    f.combined_top1, f.combined_logloss);
        std::printf("  read %.2f s, trained %.1f s (%llu steps%s), evaluated %.1f s; "
                    "inference %.0f us per prediction in batches\n",
                    r.collect_s, r.train_s, (unsigned long long)r.train_steps,
                    r.stopped_by_budget ? ", time budget hit" : "", r.evaluate_s, r.predict_us);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "prescient-learned-train: " << e.what() << "\n";
    rc = 1;
  }
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return rc;
}
