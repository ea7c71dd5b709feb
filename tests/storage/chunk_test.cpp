#include "prescient/storage/chunk.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "prescient/storage/errc.hpp"
#include "prescient/wire/validate.hpp"
#include "test_util.hpp"

using namespace prescient;
using namespace prescient::storage;
using prescient::storage::test::make_event;
using prescient::storage::test::quantised;

namespace {

void check_same(const usage_event& in, const usage_event& out) {
  CHECK(out.time_us == in.time_us);
  CHECK(out.kind == in.kind);
  CHECK(out.app == in.app);
  CHECK(out.session == in.session);
  CHECK(out.usage.cpu_millicores
        == quantised(in.usage.cpu_millicores, precision::cpu_millicores));
  CHECK(out.usage.memory_mb == quantised(in.usage.memory_mb, 1));
  CHECK(out.usage.disk_iops == quantised(in.usage.disk_iops, 1));
  CHECK(out.usage.network_mbps
        == quantised(in.usage.network_mbps, precision::network_mbps));
  CHECK(out.usage.gpus == quantised(in.usage.gpus, precision::gpus));
  CHECK(out.duration_ms == quantised(in.duration_ms, 1));
  bool stored = in.location && in.location_consent;
  REQUIRE(out.location.has_value() == stored);
  CHECK(out.location_consent == stored);
  if (stored) {
    CHECK(out.location->latitude == in.location->latitude);
    CHECK(out.location->longitude == in.location->longitude);
  }
  CHECK(out.role.empty());
  CHECK(out.tenant == "t");
  CHECK(out.user == "u");
  CHECK(out.device == "d");
}

std::vector<usage_event> random_events(std::mt19937_64& rng, int64_t bucket,
                                       size_t n) {
  std::uniform_int_distribution<int64_t> time(0, bucket_duration_us - 1);
  std::uniform_int_distribution<int> app(0, 59);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<usage_event> out;
  int64_t t = bucket + bucket_duration_us / 2;
  for (size_t i = 0; i < n; ++i) {
    // Mostly increasing with jitter, sometimes a jump anywhere in the bucket.
    if (unit(rng) < 0.2)
      t = bucket + time(rng);
    else
      t = std::min(bucket + bucket_duration_us - 1,
                   t + static_cast<int64_t>(unit(rng) * 90e6));
    auto e = make_event(t, "app-" + std::to_string(app(rng)),
                        static_cast<event_kind>(rng() % 4));
    e.session = unit(rng) < 0.7 ? 42 : rng();
    e.usage.cpu_millicores = unit(rng) * limits::max_cpu_millicores;
    e.usage.memory_mb = unit(rng) * 65536;
    e.usage.disk_iops = unit(rng) < 0.5 ? 0 : unit(rng) * 1e4;
    e.usage.network_mbps = unit(rng) * 1000;
    e.usage.gpus = unit(rng) < 0.8 ? 0 : unit(rng) * 8;
    e.duration_ms = unit(rng) * 3.6e6;
    if (unit(rng) < 0.5) {
      e.location = geo_location{unit(rng) * 180 - 90, unit(rng) * 360 - 180};
      e.location_consent = unit(rng) < 0.8; // without consent: dropped
    }
    e.role = "ignored";
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

TEST_CASE("bucket_start_of floors to 2 h, also before the epoch",
          "[storage][chunk]") {
  CHECK(bucket_start_of(0) == 0);
  CHECK(bucket_start_of(bucket_duration_us - 1) == 0);
  CHECK(bucket_start_of(bucket_duration_us) == bucket_duration_us);
  CHECK(bucket_start_of(-1) == -bucket_duration_us);
  CHECK(bucket_start_of(-bucket_duration_us) == -bucket_duration_us);
}

TEST_CASE("an empty builder encodes a decodable chunk", "[storage][chunk]") {
  chunk_builder b{1'700'000'000'000'000, activity_class::frequent};
  CHECK(b.events() == 0);
  CHECK(b.bytes() <= chunk_header_bytes);
  CHECK(b.bytes() == 6); // version, class, 3-byte bucket index, count
  CHECK(b.first_time_us() == 1'700'000'000'000'000);
  CHECK(b.bucket_start_us() == bucket_start_of(1'700'000'000'000'000));
  auto hdr = read_chunk_header(b.encoded());
  REQUIRE(hdr);
  CHECK(hdr->cls == activity_class::frequent);
  CHECK(hdr->bucket_start_us == b.bucket_start_us());
  auto out = decode_chunk(b.encoded(), "t", "u", "d");
  REQUIRE(out);
  CHECK(out->empty());
}

TEST_CASE("accepts only times in the same bucket", "[storage][chunk]") {
  auto start = 100 * bucket_duration_us;
  chunk_builder b{start + 5};
  CHECK(b.accepts(start));
  CHECK(b.accepts(start + bucket_duration_us - 1));
  CHECK_FALSE(b.accepts(start - 1));
  CHECK_FALSE(b.accepts(start + bucket_duration_us));
}

TEST_CASE("random events round-trip, decodable after every append",
          "[storage][chunk]") {
  std::mt19937_64 rng{GENERATE(1u, 2u, 3u)};
  auto bucket = bucket_start_of(1'700'000'000'000'000);
  auto events = random_events(rng, bucket, 500);
  chunk_builder b{events.front().time_us, activity_class::occasional};
  for (size_t i = 0; i < events.size(); ++i) {
    b.append(events[i]);
    if (i % 97 == 0 || i + 1 == events.size()) {
      auto out = decode_chunk(b.encoded(), "t", "u", "d");
      REQUIRE(out);
      REQUIRE(out->size() == i + 1);
      for (size_t j = 0; j <= i; ++j)
        check_same(events[j], (*out)[j]);
    }
  }
  CHECK(b.events() == events.size());
  auto hdr = read_chunk_header(b.encoded());
  REQUIRE(hdr);
  CHECK(hdr->events == events.size());
  CHECK(hdr->cls == activity_class::occasional);
}

TEST_CASE("extreme values round-trip", "[storage][chunk]") {
  auto t0 = bucket_start_of(1'700'000'000'000'000);
  chunk_builder b{t0};
  std::vector<usage_event> in;
  auto e = make_event(t0);
  e.usage = {limits::max_cpu_millicores, limits::max_memory_mb,
             limits::max_disk_iops, limits::max_network_mbps, limits::max_gpus};
  e.duration_ms = limits::max_duration_ms;
  e.session = std::numeric_limits<uint64_t>::max();
  e.app = std::string(256, 'x');
  e.location = geo_location{-90, 180};
  e.location_consent = true;
  in.push_back(e);
  e.usage = {};
  e.duration_ms = 0;
  e.session = 0;
  e.time_us = t0 + bucket_duration_us - 1; // last µs of the bucket
  e.app = "";
  e.location = geo_location{90, -180};
  in.push_back(e);
  e.time_us = t0; // back to the first µs
  e.usage.cpu_millicores = 0.4;  // rounds to 0
  e.usage.network_mbps = 0.004;  // below half a step: 0
  in.push_back(e);
  for (auto& x : in)
    b.append(x);
  auto out = decode_chunk(b.encoded(), "t", "u", "d");
  REQUIRE(out);
  REQUIRE(out->size() == in.size());
  for (size_t i = 0; i < in.size(); ++i)
    check_same(in[i], (*out)[i]);
  CHECK((*out)[0].usage.memory_mb == limits::max_memory_mb);
  CHECK((*out)[2].usage.cpu_millicores == 0);
}

TEST_CASE("non-finite values are stored as 0", "[storage][chunk]") {
  auto t0 = bucket_start_of(1'700'000'000'000'000);
  chunk_builder b{t0};
  auto e = make_event(t0);
  e.usage.cpu_millicores = std::numeric_limits<double>::quiet_NaN();
  e.usage.memory_mb = std::numeric_limits<double>::infinity();
  b.append(e);
  auto out = decode_chunk(b.encoded(), "t", "u", "d");
  REQUIRE(out);
  CHECK((*out)[0].usage.cpu_millicores == 0);
  CHECK((*out)[0].usage.memory_mb == 0);
}

TEST_CASE("truncated chunks are corruption", "[storage][chunk]") {
  std::mt19937_64 rng{7};
  auto bucket = bucket_start_of(1'700'000'000'000'000);
  auto events = random_events(rng, bucket, 50);
  chunk_builder b{bucket};
  for (auto& e : events)
    b.append(e);
  auto full = std::string{b.encoded()};
  for (size_t n = 0; n < full.size(); ++n) {
    auto out = decode_chunk(std::string_view{full}.substr(0, n), "t", "u",
                            "d");
    REQUIRE_FALSE(out);
    CHECK(out.error().category() == caf::atom("storage"));
    CHECK(out.error().code()
          == static_cast<uint8_t>(storage_errc::corruption));
  }
}

TEST_CASE("garbage never crashes the decoder", "[storage][chunk]") {
  std::mt19937_64 rng{11};
  auto bucket = bucket_start_of(1'700'000'000'000'000);
  auto events = random_events(rng, bucket, 40);
  chunk_builder b{bucket};
  for (auto& e : events)
    b.append(e);
  auto good = std::string{b.encoded()};
  size_t failures = 0;
  for (int round = 0; round < 3000; ++round) {
    auto bad = good;
    // Flip a few random bytes; sometimes the header, mostly the stream.
    for (int k = 0; k < 1 + round % 4; ++k)
      bad[rng() % bad.size()] = static_cast<char>(rng());
    auto out = decode_chunk(bad, "t", "u", "d");
    if (!out)
      ++failures;
    else
      CHECK(out->size() <= bad.size()); // an event takes >= 8 bits
  }
  CHECK(failures > 0);
  for (int round = 0; round < 1000; ++round) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    if (junk.size() > 0 && rng() % 2)
      junk[0] = static_cast<char>(chunk_format_version);
    [[maybe_unused]] auto out = decode_chunk(junk, "t", "u", "d");
  }
  CHECK_FALSE(decode_chunk("", "t", "u", "d"));
}

namespace {

/// A device running several apps at once, some of them twice, as the
/// synthetic workload does: request, launch, heartbeats every ~60 s with
/// jitter (ms offsets from a µs launch time, duration = time since the run's
/// previous heartbeat), noisy usage around each run's level, close.
std::vector<usage_event> interleaved_runs(std::mt19937_64& rng, int64_t bucket,
                                          size_t n) {
  struct run {
    std::string app;
    int64_t launch;
    int64_t last;
    int64_t next;
    int phase = 0; // 0 request, 1 launch, 2 heartbeats, 3 closed
    double level[4];
    int beats;
  };
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> noise(0, 1);
  const char* names[] = {"api-worker", "log-shipper", "etl-job", "Mail.App_2"};
  std::vector<run> runs;
  std::vector<usage_event> out;
  int64_t now = bucket + 1'000'003;
  auto start_run = [&](int64_t at) {
    run r;
    r.app = names[rng() % 4];
    r.launch = at + 1'000'000 + static_cast<int64_t>(unit(rng) * 2e6);
    r.last = r.launch;
    r.next = at;
    for (auto& l : r.level)
      l = 100 + unit(rng) * 5000;
    r.beats = 5 + static_cast<int>(rng() % 60);
    runs.push_back(r);
  };
  for (int i = 0; i < 3; ++i)
    start_run(now + i * 7'000'017);
  while (out.size() < n) {
    auto it = std::min_element(runs.begin(), runs.end(),
                               [](const run& a, const run& b) {
                                 return (a.phase == 3 ? INT64_MAX : a.next)
                                        < (b.phase == 3 ? INT64_MAX : b.next);
                               });
    if (it->phase == 3) {
      start_run(now + 1'000);
      continue;
    }
    run& r = *it;
    now = r.next;
    if (now >= bucket + bucket_duration_us)
      break;
    auto e = make_event(now, r.app);
    e.session = 3;
    e.location = geo_location{48.137154, 11.576124};
    e.location_consent = true;
    switch (r.phase) {
      case 0:
        e.kind = event_kind::request;
        e.usage = {std::ceil(r.level[0] / 250) * 250, 2048, 100, 10, 1};
        e.duration_ms = 0;
        r.phase = 1;
        r.next = r.launch;
        break;
      case 1:
        e.kind = event_kind::launch;
        e.usage = {};
        e.duration_ms = 0;
        r.phase = 2;
        r.next = r.launch + 60'000'000 + static_cast<int64_t>(noise(rng) * 3e3) * 1000;
        break;
      default:
        if (--r.beats == 0) {
          e.kind = event_kind::close;
          e.duration_ms = static_cast<double>((now - r.launch) / 1000);
          r.phase = 3;
        } else {
          e.kind = event_kind::heartbeat;
          e.duration_ms = static_cast<double>(now - r.last) / 1000;
          r.last = now;
          r.next = now + 60'000'000 + static_cast<int64_t>(noise(rng) * 3e3) * 1000;
        }
        e.usage = {r.level[0] * (1 + 0.1 * noise(rng)), r.level[1] * (1 + 0.02 * noise(rng)),
                   r.level[2] * (1 + 0.3 * noise(rng)), r.level[3] * (1 + 0.3 * noise(rng)),
                   1};
        break;
    }
    if (e.kind == event_kind::launch && rng() % 8 == 0)
      start_run(now + 5'000'000); // a second run, maybe of the same app
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

TEST_CASE("interleaved runs round-trip compactly", "[storage][chunk]") {
  std::mt19937_64 rng{GENERATE(5u, 6u)};
  auto bucket = bucket_start_of(1'700'000'000'000'000);
  auto events = interleaved_runs(rng, bucket, 600);
  REQUIRE(events.size() > 150);
  chunk_builder b{events.front().time_us};
  for (size_t i = 0; i < events.size(); ++i) {
    b.append(events[i]);
    if (i % 61 == 0 || i + 1 == events.size()) {
      auto out = decode_chunk(b.encoded(), "t", "u", "d");
      REQUIRE(out);
      REQUIRE(out->size() == i + 1);
      for (size_t j = 0; j <= i; ++j)
        check_same(events[j], (*out)[j]);
    }
  }
  // Noisy usage (30 % on disk and network) but runs predicted per run.
  auto per_event = static_cast<double>(b.bytes()) / static_cast<double>(events.size());
  CHECK(per_event < 12);
  // A decoded chunk re-encodes to the same bytes (profiles reload chunks).
  auto out = decode_chunk(b.encoded(), "t", "u", "d");
  REQUIRE(out);
  chunk_builder again{(*out)[0].time_us};
  for (auto& e : *out)
    again.append(e);
  CHECK(again.encoded() == b.encoded());
  CHECK(b.memory_bytes() < 640 + b.bytes());
}

TEST_CASE("out-of-order times and odd app names round-trip", "[storage][chunk]") {
  auto bucket = bucket_start_of(1'700'000'000'000'000);
  std::vector<usage_event> in;
  const std::string names[] = {"", "a", "UPPER/lower 123", std::string(31, 'z'),
                               std::string(300, '\xff'), "a-b_c.d e9", "a"};
  int64_t times[] = {bucket + 7'000'000'000, bucket, bucket + 3'000'000,
                     bucket + 2'999'000, bucket + 5'000'000'123, bucket + 1,
                     bucket + bucket_duration_us - 1};
  for (int i = 0; i < 7; ++i) {
    auto e = make_event(times[i], names[i], static_cast<event_kind>(i % 4));
    e.duration_ms = i * 1000.0 - 2000;
    e.usage = {i % 2 ? 0.0 : -5.0, 0, 0, i * 0.01, 0};
    e.session = i % 3 == 0 ? 0 : std::numeric_limits<uint64_t>::max() - i;
    in.push_back(e);
  }
  chunk_builder b{in.front().time_us};
  for (auto& e : in)
    b.append(e);
  auto out = decode_chunk(b.encoded(), "t", "u", "d");
  REQUIRE(out);
  REQUIRE(out->size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    check_same(in[i], (*out)[i]);
  }
}

TEST_CASE("the event count grows past one varint byte", "[storage][chunk]") {
  std::mt19937_64 rng{9};
  auto bucket = bucket_start_of(1'700'000'000'000'000);
  auto events = random_events(rng, bucket, 17000);
  chunk_builder b{events.front().time_us};
  for (size_t i = 0; i < events.size(); ++i) {
    b.append(events[i]);
    auto n = i + 1;
    if (n == 127 || n == 128 || n == 129 || n == 16383 || n == 16384
        || n == events.size()) {
      auto hdr = read_chunk_header(b.encoded());
      REQUIRE(hdr);
      CHECK(hdr->events == n);
      CHECK(hdr->bucket_start_us == bucket);
      auto out = decode_chunk(b.encoded(), "t", "u", "d");
      REQUIRE(out);
      REQUIRE(out->size() == n);
      check_same(events[i], out->back());
      check_same(events[0], out->front());
    }
  }
}

TEST_CASE("buckets before the epoch and far away round-trip", "[storage][chunk]") {
  for (int64_t t : {int64_t{-1}, int64_t{-5} * bucket_duration_us + 17,
                    int64_t{1} << 61, -(int64_t{1} << 61)}) {
    chunk_builder b{t};
    auto e = make_event(t);
    b.append(e);
    auto hdr = read_chunk_header(b.encoded());
    REQUIRE(hdr);
    CHECK(hdr->bucket_start_us == bucket_start_of(t));
    auto out = decode_chunk(b.encoded(), "t", "u", "d");
    REQUIRE(out);
    REQUIRE(out->size() == 1);
    CHECK((*out)[0].time_us == t);
  }
}

TEST_CASE("version 1 chunks still decode", "[storage][chunk]") {
  // Written by the version-1 encoder: launch of "mail" at bucket + 5 s,
  // a heartbeat 60 s later with location, a request of "ide".
  static const char v1[] =
    "\x01\x00\x00\x38\x6f\xe8\x23\x0a\x06\x00\x03\x00\x00\x00\xe6\xce\x20\x40"
    "\x01\x1b\x58\x5a\x5b\x30\xf8\x07\x43\x5b\x61\x9f\x03\x7d\xf6\x13\x3f\x80"
    "\xff\x03\x4b\x78\x15\xd4\xf8\x3f\x40\x48\x0c\xcc\xcc\xcc\xcc\xcd\xc1\x3a"
    "\x01\x3d\x6b\x80\xb0\x78\xd8\x00\x1b\x4b\x23\x2b\xd0\xa9\x3f\xe6\x3e\xcf"
    "\xc0\xb8\xfb\x8f\x63\xf2\x26\x6e\xa7\x00";
  std::string_view bytes{v1, sizeof v1 - 1};
  REQUIRE(bytes.size() == 82);
  auto t0 = bucket_start_of(1'700'000'000'000'000);
  auto hdr = read_chunk_header(bytes);
  REQUIRE(hdr);
  CHECK(hdr->version == 1);
  CHECK(hdr->events == 3);
  CHECK(hdr->bucket_start_us == t0);
  auto out = decode_chunk(bytes, "t", "u", "d");
  REQUIRE(out);
  REQUIRE(out->size() == 3);
  CHECK((*out)[0].app == "mail");
  CHECK((*out)[0].kind == event_kind::launch);
  CHECK((*out)[1].time_us == t0 + 65'000'000);
  CHECK((*out)[1].usage.memory_mb == 800);
  CHECK((*out)[1].usage.network_mbps == 1.5);
  CHECK((*out)[1].duration_ms == 60000);
  REQUIRE((*out)[1].location);
  CHECK((*out)[1].location->latitude == 48.1);
  CHECK((*out)[2].app == "ide");
  CHECK((*out)[2].kind == event_kind::request);
  CHECK((*out)[2].usage.gpus == 1);
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(decode_chunk(bytes.substr(0, n), "t", "u", "d"));
}

TEST_CASE("truncated or garbled interleaved chunks are corruption",
          "[storage][chunk]") {
  std::mt19937_64 rng{13};
  auto bucket = bucket_start_of(1'700'000'000'000'000);
  auto events = interleaved_runs(rng, bucket, 80);
  chunk_builder b{events.front().time_us};
  for (auto& e : events)
    b.append(e);
  auto full = std::string{b.encoded()};
  for (size_t n = 0; n < full.size(); ++n) {
    auto out = decode_chunk(std::string_view{full}.substr(0, n), "t", "u", "d");
    REQUIRE_FALSE(out);
    CHECK(out.error().code() == static_cast<uint8_t>(storage_errc::corruption));
  }
  for (int round = 0; round < 5000; ++round) {
    auto bad = full;
    for (int k = 0; k < 1 + round % 3; ++k) {
      auto pos = rng() % bad.size();
      if (round % 2)
        bad[pos] = static_cast<char>(bad[pos] ^ (1 << (rng() % 8))); // one bit
      else
        bad[pos] = static_cast<char>(rng());
    }
    auto out = decode_chunk(bad, "t", "u", "d");
    if (out)
      CHECK(out->size() <= bad.size());
  }
}
