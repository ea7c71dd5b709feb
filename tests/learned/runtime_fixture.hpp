// Shared by the runtime tests: a RocksDB in a fresh temp dir, an actor
// system, launches written as a profile would write them, tiny models.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "prescient/learned/model_registry.hpp"
#include "prescient/learned/next_app_model.hpp"
#include "prescient/storage/db.hpp"

namespace prescient::learned::test {

struct runtime_fixture {
  runtime_fixture() {
    std::string tmpl = "/tmp/prescient-learned-XXXXXX";
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    reopen();
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    self = std::make_unique<caf::scoped_actor>(*sys);
  }

  ~runtime_fixture() {
    self.reset();
    sys.reset();
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  /// Closes and reopens the database, as after a restart.
  void reopen() {
    db.reset();
    storage::db_options o;
    o.path = dir + "/db";
    o.write_buffer_bytes = 4 << 20;
    auto r = storage::db::open(o);
    if (!r)
      throw std::runtime_error(caf::to_string(r.error()));
    db = std::move(*r);
  }

  /// Stores the launches (time_s, app) of one user on one device, one chunk
  /// per 2-hour bucket.
  void write_launches(const std::string& tenant, const std::string& user,
                      const std::vector<std::pair<double, std::string>>& launches,
                      const std::string& device = "laptop", uint64_t session = 7);

  std::string dir;
  std::unique_ptr<storage::db> db;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
};

/// Options for models that train in well under a second.
train_options tiny_options(size_t max_steps = 300);

/// A model trained on nothing (predicts its unigram), for plumbing tests.
std::shared_ptr<const next_app_model> blank_model(uint64_t version);

/// A published snapshot over `model` with a vocabulary of `apps`.
model_snapshot snapshot_of(const std::string& tenant, uint64_t version,
                           std::shared_ptr<const next_app_model> model,
                           const std::vector<std::string>& apps);

/// Per user, `n` launches cycling a b c a b d a b e ...: what follows "a b"
/// depends on the app three back, which an order-2 model cannot see.
std::vector<std::pair<double, std::string>> long_range_pattern(size_t user, size_t n);

} // namespace prescient::learned::test
