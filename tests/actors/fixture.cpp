#include "fixture.hpp"

#include <stdexcept>

#include "prescient/actors/errc.hpp"
#include "prescient/testkit/node_process.hpp"

namespace prescient::test {

namespace {

std::unique_ptr<storage::db> open_db(const std::string& dir) {
  storage::db_options o;
  o.path = dir + "/db";
  auto db = storage::db::open(o);
  if (!db)
    throw std::runtime_error(describe(db.error()));
  return std::move(*db);
}

} // namespace

actor_fixture::actor_fixture() : dir(testkit::make_temp_dir("prescient-actors")) {
  db = open_db(dir);
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  sys = std::make_unique<caf::actor_system>(cfg);
  self = std::make_unique<caf::scoped_actor>(*sys);
}

actor_fixture::~actor_fixture() {
  self.reset();
  sys.reset();
  db.reset();
  testkit::remove_tree(dir);
}

void actor_fixture::reopen_db() {
  db.reset();
  db = open_db(dir);
}

usage_event event_of(const std::string& user, int seq, const std::string& device) {
  usage_event e;
  e.tenant = "demo";
  e.user = user;
  e.device = device.empty() ? user + "-pc" : device;
  e.app = seq % 2 == 0 ? "ide" : "browser";
  e.kind = seq % 4 == 0 ? event_kind::launch : event_kind::heartbeat;
  e.time_us = 1'750'000'000'000'000 + int64_t(seq) * 60'000'000;
  e.session = 1;
  e.usage = {300.0 + seq, 2048, 5, 1.25, 0};
  e.duration_ms = 60'000;
  return e;
}

} // namespace prescient::test
