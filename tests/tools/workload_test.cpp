#include "prescient/workload/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "prescient/wire/validate.hpp"

using namespace prescient;
using namespace prescient::workload;

namespace {

constexpr int64_t hour_us = 3'600'000'000LL;
constexpr int64_t day_us = 24 * hour_us;

bool same(const usage_event& a, const usage_event& b) {
  auto same_loc = a.location.has_value() == b.location.has_value()
                  && (!a.location
                      || (a.location->latitude == b.location->latitude
                          && a.location->longitude == b.location->longitude));
  return a.tenant == b.tenant && a.user == b.user && a.device == b.device
         && a.app == b.app && a.kind == b.kind && a.time_us == b.time_us
         && a.session == b.session && a.usage.cpu_millicores == b.usage.cpu_millicores
         && a.usage.memory_mb == b.usage.memory_mb
         && a.usage.disk_iops == b.usage.disk_iops
         && a.usage.network_mbps == b.usage.network_mbps
         && a.usage.gpus == b.usage.gpus && a.duration_ms == b.duration_ms
         && same_loc && a.location_consent == b.location_consent
         && a.role == b.role;
}

time_window wide_window(const workload_options& o) {
  // Centered on the trace, generous both ways.
  return {o.start_us + o.duration_us / 2, o.duration_us + day_us,
          o.duration_us + day_us};
}

} // namespace

TEST_CASE("user ids round-trip", "[workload]") {
  CHECK(synthetic_workload::user_id(0) == "user-0000000");
  CHECK(synthetic_workload::user_id(42) == "user-0000042");
  CHECK(synthetic_workload::user_id(12345678) == "user-12345678");
  CHECK(synthetic_workload::user_index("user-0000042") == size_t{42});
  CHECK(synthetic_workload::user_index("user-12345678") == size_t{12345678});
  CHECK_FALSE(synthetic_workload::user_index("user-42"));
  CHECK_FALSE(synthetic_workload::user_index("bob"));
  CHECK(app_catalogue().size() >= 40);
}

TEST_CASE("same seed gives the same sequence, another seed another", "[workload]") {
  workload_options o;
  o.users = 2000;
  synthetic_workload a(o), b(o);
  o.seed = 43;
  synthetic_workload c(o);
  usage_event ea, eb, ec;
  size_t differ = 0;
  for (int i = 0; i < 100'000; ++i) {
    REQUIRE(a.next(ea));
    REQUIRE(b.next(eb));
    REQUIRE(c.next(ec));
    REQUIRE(same(ea, eb));
    differ += !same(ea, ec);
  }
  CHECK(differ > 90'000);
  CHECK(a.events_emitted() == 100'000);
}

TEST_CASE("a user's behaviour does not depend on the population", "[workload]") {
  workload_options small, large;
  small.users = 50;
  large.users = 500;
  small.duration_us = large.duration_us = day_us;
  auto collect = [](workload_options o) {
    synthetic_workload w(o);
    std::vector<usage_event> out;
    usage_event e;
    while (w.next(e))
      if (e.user == "user-0000007")
        out.push_back(e);
    return out;
  };
  auto x = collect(small), y = collect(large);
  REQUIRE(x.size() == y.size());
  for (size_t i = 0; i < x.size(); ++i)
    REQUIRE(same(x[i], y[i]));
}

TEST_CASE("events are valid, ordered and well-formed", "[workload]") {
  workload_options o;
  o.users = 300;
  o.tenants = {"demo", "acme"};
  o.regions = {"eu-west", "us-east", "ap-southeast"};
  synthetic_workload w(o);
  auto win = wide_window(o);
  usage_event e;
  int64_t last = 0;
  std::map<event_kind, size_t> kinds;
  std::unordered_map<std::string, uint64_t> session_of;
  std::set<std::string> apps, tenants;
  size_t with_location = 0, n = 0, gpu_heartbeats = 0;
  double max_cpu = 0;
  while (w.next(e)) {
    ++n;
    INFO(e.user << " " << e.app << " " << to_string(e.kind) << " " << e.time_us);
    auto problem = check_event(e, win);
    INFO((problem ? *problem : std::string()));
    REQUIRE_FALSE(problem);
    REQUIRE(e.time_us >= last);
    REQUIRE(e.time_us >= o.start_us);
    REQUIRE(e.time_us < o.start_us + o.duration_us);
    last = e.time_us;
    ++kinds[e.kind];
    apps.insert(e.app);
    tenants.insert(e.tenant);
    REQUIRE(e.session > 0);
    auto& s = session_of[e.user];
    REQUIRE(e.session >= s); // never goes back within a user
    s = e.session;
    if (e.location) {
      ++with_location;
      REQUIRE(e.location_consent);
    }
    if (e.kind == event_kind::heartbeat) {
      REQUIRE(e.usage.cpu_millicores > 0);
      REQUIRE(e.usage.memory_mb > 0);
      REQUIRE(e.duration_ms > 0);
      gpu_heartbeats += e.usage.gpus > 0;
      max_cpu = std::max(max_cpu, e.usage.cpu_millicores);
    }
    if (e.kind == event_kind::close)
      REQUIRE(e.duration_ms >= 20'000);
    if (e.kind == event_kind::request) {
      auto req = w.to_request(e);
      CHECK_FALSE(check_request(req, win));
      CHECK(req.region == w.traits(*synthetic_workload::user_index(e.user)).home_region);
      CHECK(req.resources.cpu_millicores >= 250);
    }
  }
  CHECK(n == w.events_emitted());
  CHECK(n > 100'000);
  CHECK(kinds[event_kind::launch] > 1000);
  CHECK(kinds[event_kind::request] == kinds[event_kind::launch]); // request_share 1
  CHECK(kinds[event_kind::close] > 1000);
  CHECK(kinds[event_kind::heartbeat] > 10 * kinds[event_kind::launch]);
  CHECK(apps.size() >= 30);
  CHECK(tenants.size() == 2);
  CHECK(with_location > n / 10);
  CHECK(with_location < n / 2);
  CHECK(gpu_heartbeats > 0);
  CHECK(max_cpu > 4000);
  // Most users show up; some joined late or churned, none is silent for long.
  CHECK(session_of.size() > o.users * 8 / 10);
}

TEST_CASE("sessions count up per user and every run is well-formed", "[workload]") {
  workload_options o;
  o.users = 200;
  o.duration_us = 3 * day_us;
  synthetic_workload w(o);
  usage_event e;
  // Per (user, device, app, session): launch first, close last.
  std::map<std::string, uint64_t> max_session;
  std::map<std::string, int> open; // key: user/device/app/session -> open runs
  while (w.next(e)) {
    auto& m = max_session[e.user];
    REQUIRE(e.session >= m);
    if (e.session > m)
      REQUIRE((e.session == m + 1)); // consecutive
    m = e.session;
    auto key = e.user + "/" + e.device + "/" + e.app + "/" + std::to_string(e.session);
    if (e.kind == event_kind::launch)
      ++open[key];
    if (e.kind == event_kind::heartbeat)
      REQUIRE(open[key] > 0);
    if (e.kind == event_kind::close) {
      REQUIRE(open[key] > 0);
      --open[key];
    }
  }
  size_t multi_session = 0;
  for (auto& [u, s] : max_session)
    multi_session += s >= 3;
  CHECK(multi_session > max_session.size() / 2);
}

TEST_CASE("daily cycles are visible in users' local time", "[workload]") {
  workload_options o;
  o.users = 1000;
  o.duration_us = 7 * day_us; // a full week: Monday..Sunday
  o.new_user_share = o.churn_share = 0;
  synthetic_workload w(o);
  std::vector<user_traits> traits;
  for (size_t i = 0; i < o.users; ++i)
    traits.push_back(w.traits(i));
  // Launches per local hour per type, and per weekday for office workers.
  size_t by_hour[4][24] = {};
  size_t office_weekday = 0, office_weekend = 0;
  usage_event e;
  while (w.next(e)) {
    if (e.kind != event_kind::launch)
      continue;
    auto& t = traits[*synthetic_workload::user_index(e.user)];
    int64_t local = e.time_us + int64_t{t.tz_offset_minutes} * 60'000'000;
    int hour = static_cast<int>((local / hour_us) % 24);
    int dow = static_cast<int>(((local / day_us) + 3) % 7); // 0 = Monday
    by_hour[static_cast<int>(t.type)][hour]++;
    if (t.type == user_type::office)
      (dow >= 5 ? office_weekend : office_weekday)++;
  }
  auto sum = [&](user_type t, int from, int to) {
    size_t s = 0;
    for (int h = from; h < to; ++h)
      s += by_hour[static_cast<int>(t)][h];
    return s;
  };
  // Office workers: working hours dominate the night.
  CHECK(sum(user_type::office, 9, 17) > 20 * (sum(user_type::office, 1, 6) + 1));
  // Gamers: evenings over mornings.
  CHECK(sum(user_type::gamer, 18, 24) > 5 * (sum(user_type::gamer, 4, 10) + 1));
  // Batch users start their jobs at night.
  CHECK(sum(user_type::batch, 21, 24) + sum(user_type::batch, 0, 3)
        > 3 * (sum(user_type::batch, 13, 19) + 1));
  // Service accounts run around the clock.
  CHECK(sum(user_type::service, 1, 6) > 0);
  // Weekly cycle: 5 weekdays carry far more than 2 weekend days.
  CHECK(office_weekday > 8 * office_weekend);
  CHECK(office_weekend > 0);
}

TEST_CASE("tiny and large populations work", "[workload]") {
  {
    workload_options o;
    o.users = 10;
    synthetic_workload w(o);
    usage_event e;
    std::set<std::string> users;
    while (w.next(e))
      users.insert(e.user);
    CHECK(w.events_emitted() > 100);
    CHECK(users.size() >= 5);
    CHECK(users.size() <= 10);
    CHECK_FALSE(w.next(e)); // stays done
  }
  {
    workload_options o;
    o.users = 100'000;
    o.tenants = {"demo", "acme", "globex"};
    auto t0 = std::chrono::steady_clock::now();
    synthetic_workload w(o);
    auto t1 = std::chrono::steady_clock::now();
    usage_event e;
    auto win = wide_window(o);
    std::set<std::string> users;
    int64_t last = 0;
    const size_t n = 2'000'000;
    for (size_t i = 0; i < n; ++i) {
      REQUIRE(w.next(e));
      REQUIRE(e.time_us >= last);
      last = e.time_us;
      if (i % 97 == 0) {
        REQUIRE_FALSE(check_event(e, win));
        users.insert(e.user);
      }
    }
    auto t2 = std::chrono::steady_clock::now();
    CHECK(users.size() > 10'000);
    auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
    std::printf("workload: 100k users: setup %.2f s, %zu events in %.2f s = %.2f M events/s\n",
                secs(t1 - t0), n, secs(t2 - t1), n / secs(t2 - t1) / 1e6);
  }
}

TEST_CASE("options are checked", "[workload]") {
  workload_options o;
  o.tenants.clear();
  CHECK_THROWS_AS(synthetic_workload(o), std::invalid_argument);
  o = {};
  o.churn_share = 1.5;
  CHECK_THROWS_AS(synthetic_workload(o), std::invalid_argument);
  o = {};
  o.heartbeat_interval_us = 0;
  CHECK_THROWS_AS(synthetic_workload(o), std::invalid_argument);
  o = {};
  o.users = 0;
  synthetic_workload empty(o);
  usage_event e;
  CHECK_FALSE(empty.next(e));
}
