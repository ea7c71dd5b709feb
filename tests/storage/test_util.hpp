// Shared helpers of the storage tests: a unique temp directory per test and
// event generators.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "prescient/storage/db.hpp"

namespace prescient::storage::test {

/// A fresh directory under /tmp, removed with everything in it.
struct temp_dir {
  std::filesystem::path path;

  temp_dir() {
    std::string tmpl = "/tmp/prescient-storage-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }

  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// A temp dir and a db opened in it.
struct db_fixture {
  temp_dir dir;
  std::unique_ptr<db> store;

  db_fixture() {
    reopen();
  }

  db_options options() const {
    db_options o;
    o.path = (dir.path / "db").string();
    o.write_buffer_bytes = 4 << 20;
    return o;
  }

  void reopen(const db_options* custom = nullptr) {
    store.reset(); // closes first: RocksDB holds a lock on the directory
    auto r = db::open(custom ? *custom : options());
    if (!r)
      throw std::runtime_error(caf::to_string(r.error()));
    store = std::move(*r);
  }
};

/// The value a stored measurement decodes to.
inline double quantised(double x, double step) {
  return static_cast<double>(std::llround(x / step)) * step;
}

inline usage_event make_event(int64_t t, std::string app = "editor",
                              event_kind kind = event_kind::heartbeat) {
  usage_event e;
  e.tenant = "acme";
  e.user = "alice";
  e.device = "laptop";
  e.app = std::move(app);
  e.kind = kind;
  e.time_us = t;
  e.session = 42;
  e.usage = {1500, 2048, 120, 5.25, 0, };
  e.duration_ms = 60'000;
  return e;
}

/// Writes one chunk per (device, bucket) holding `events` (all in one
/// bucket and device), as a profile would.
inline void write_events(db& store, const std::vector<usage_event>& events,
                         activity_class cls = activity_class::regular,
                         uint32_t seq = 0) {
  if (events.empty())
    return;
  chunk_builder b{events.front().time_us, cls};
  for (auto& e : events)
    b.append(e);
  write_batch batch;
  auto& e = events.front();
  store.series().put(batch, {e.tenant, e.user, e.device, b.bucket_start_us(),
                             seq},
                     b);
  auto err = store.write(batch);
  if (err)
    throw std::runtime_error(caf::to_string(err));
}

} // namespace prescient::storage::test
