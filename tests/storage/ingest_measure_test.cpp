// A quick size measurement of realistic ingest: prints bytes per event and
// builder memory (WARN), asserts only correctness. Workload: 200 users x 3
// devices x 1 day, a heartbeat every 60 s +- 2 s of jitter with slowly
// varying usage, app switches every ~1-3 h (close with duration, then
// launch), 30 % of users with consented location. A profile checkpoints each
// device's chunk every 30 events (rewriting the same key) and starts a new
// builder per 2 h bucket.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <random>

#include "prescient/storage/db.hpp"
#include "test_util.hpp"

using namespace prescient;
using namespace prescient::storage;

namespace {

struct workload_result {
  uint64_t events = 0;
  uint64_t chunk_bytes = 0; // final size of every chunk
  size_t max_builder_memory = 0;
  double avg_builder_memory = 0;
  uint64_t series_bytes = 0;
  uint64_t live_bytes = 0;
  double seconds = 0;
};

workload_result run(bool ms_clock, bool seal, uint64_t seed) {
  test::temp_dir dir;
  db_options o;
  o.path = (dir.path / "db").string();
  auto opened = db::open(o);
  REQUIRE(opened);
  auto& d = **opened;
  std::mt19937_64 rng{seed};
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> noise(0, 1);
  const int64_t day_start = bucket_start_of(1'700'000'000'000'000);
  workload_result res;
  size_t builders = 0;
  auto started = std::chrono::steady_clock::now();
  write_batch batch;
  for (int u = 0; u < 200; ++u) {
    bool consent = unit(rng) < 0.3;
    for (int dev = 0; dev < 3; ++dev) {
      usage_event e;
      e.tenant = "tenant-" + std::to_string(u % 7);
      e.user = "user-" + std::to_string(u);
      e.device = "device-" + std::to_string(dev);
      e.location_consent = consent;
      if (consent)
        e.location = geo_location{48.1 + unit(rng), 11.5 + unit(rng)};
      int64_t t = day_start + static_cast<int64_t>(unit(rng) * 60e6);
      std::optional<chunk_builder> b;
      uint32_t since_checkpoint = 0;
      uint32_t seq = 0;
      int64_t session_end = t;
      int64_t session_start = t;
      double cpu = 0, mem = 0, disk = 0, net = 0, gpus = 0;
      auto persist = [&] {
        if (b->events() == 0)
          return;
        d.series().put(batch, {e.tenant, e.user, e.device,
                               b->bucket_start_us(), seq},
                       *b);
        REQUIRE_FALSE(d.write(batch));
        batch.clear();
        since_checkpoint = 0;
      };
      auto emit = [&](const usage_event& x) {
        if (b && !b->accepts(x.time_us)) {
          persist();
          seq = 0;
          res.chunk_bytes += b->bytes();
          res.avg_builder_memory += static_cast<double>(b->memory_bytes());
          ++builders;
          b.reset();
        }
        if (!b)
          b.emplace(x.time_us, activity_class::frequent);
        b->append(x);
        res.max_builder_memory = std::max(res.max_builder_memory,
                                          b->memory_bytes());
        ++res.events;
        if (++since_checkpoint == 30) {
          persist();
          if (seal) { // bound memory: continue the bucket under seq + 1
            res.chunk_bytes += b->bytes();
            res.avg_builder_memory += static_cast<double>(b->memory_bytes());
            ++builders;
            b.emplace(b->first_time_us(), activity_class::frequent);
            ++seq;
          }
        }
      };
      while (t < day_start + day_us) {
        if (t >= session_end) {
          if (t > session_start + 1) { // close the previous app
            e.kind = event_kind::close;
            e.duration_ms = static_cast<double>((t - session_start) / 1000);
            emit(e);
          }
          e.app = "app-" + std::to_string(rng() % 12);
          e.session = rng();
          e.kind = event_kind::launch;
          cpu = 200 + unit(rng) * 3000;
          mem = 512 + unit(rng) * 8192;
          disk = unit(rng) * 400;
          net = unit(rng) * 50;
          gpus = unit(rng) < 0.1 ? 1 : 0;
          e.usage = {cpu, mem, disk, net, gpus};
          e.duration_ms = 0;
          e.time_us = t;
          emit(e);
          session_start = t;
          session_end = t + static_cast<int64_t>((1 + 2 * unit(rng)) * 3600e6);
        }
        auto jitter = static_cast<int64_t>((unit(rng) * 2 - 1) * 2e6);
        auto next = t + 60'000'000 + jitter;
        if (ms_clock)
          next -= next % 1000;
        e.kind = event_kind::heartbeat;
        e.duration_ms = static_cast<double>((next - t) / 1000);
        t = next;
        // Slowly varying usage: a small random walk around the app's level.
        cpu = std::max(0.0, cpu + noise(rng) * 25);
        mem = std::max(0.0, mem + (unit(rng) < 0.3 ? noise(rng) * 8 : 0));
        disk = std::max(0.0, disk + noise(rng) * 5);
        net = std::max(0.0, net + noise(rng) * 0.5);
        e.usage = {cpu, mem, disk, net, gpus};
        e.time_us = t;
        emit(e);
      }
      if (b) {
        persist();
        res.chunk_bytes += b->bytes();
        res.avg_builder_memory += static_cast<double>(b->memory_bytes());
        ++builders;
      }
    }
  }
  REQUIRE_FALSE(d.compact_all());
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - started)
                  .count();
  res.series_bytes = d.series_bytes();
  res.live_bytes = d.live_bytes();
  res.avg_builder_memory /= static_cast<double>(builders);
  // Correctness: every event is there, and a range decodes.
  uint64_t stored = 0;
  for (int u = 0; u < 200; ++u) {
    auto n = d.series().count_events("tenant-" + std::to_string(u % 7),
                                     "user-" + std::to_string(u));
    REQUIRE(n);
    stored += *n;
  }
  CHECK(stored == res.events);
  auto r = d.series().range("tenant-0", "user-0", day_start,
                            day_start + day_us);
  REQUIRE(r);
  CHECK(r->size() > 3 * 1400);
  return res;
}

} // namespace

TEST_CASE("measure: bytes per event of a realistic day",
          "[storage][measure]") {
  for (auto [ms, seal] : {std::pair{false, false}, std::pair{true, false},
                          std::pair{false, true}}) {
    auto r = run(ms, seal, 2024);
    auto per = [&](uint64_t bytes) {
      return static_cast<double>(bytes) / static_cast<double>(r.events);
    };
    char line[512];
    std::snprintf(line, sizeof line,
                  "%s clock, %s: %llu events, chunk %.2f B/event, series SST "
                  "%.2f B/event, all SST %.2f B/event, builder memory avg "
                  "%.0f B max %zu B, %.1f s (%.0f events/s incl. compaction)",
                  ms ? "ms" : "us",
                  seal ? "new chunk every 30 events" : "one chunk per 2 h",
                  static_cast<unsigned long long>(r.events),
                  per(r.chunk_bytes), per(r.series_bytes), per(r.live_bytes),
                  r.avg_builder_memory, r.max_builder_memory, r.seconds,
                  static_cast<double>(r.events) / r.seconds);
    WARN(line);
    CHECK(r.events > 600 * 1400);
  }
}
