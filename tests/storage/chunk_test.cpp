#include "prescient/storage/chunk.hpp"

#include <catch2/catch.hpp>

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
  CHECK(b.bytes() == chunk_header_bytes);
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
      CHECK(out->size() <= bad.size() * 8 / 13);
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
