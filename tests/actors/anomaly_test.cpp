// The pieces of anomaly detection that need no actor: the bounded log of
// flags, and a data center's demand judged against its forecast interval.
#include <catch2/catch.hpp>

#include "anomaly_log.hpp"
#include "demand_tracker.hpp"

using namespace prescient;

TEST_CASE("the anomaly log keeps the newest flags up to its capacity") {
  anomaly_log log(4);
  CHECK(log.recent(10).empty());
  for (int i = 0; i < 3; ++i)
    log.push({"t", "u" + std::to_string(i), "", "request_burst", i, "r"});
  auto some = log.recent(10);
  REQUIRE(some.size() == 3);
  CHECK(some[0].user == "u2");
  CHECK(some[2].user == "u0");
  for (int i = 3; i < 10; ++i)
    log.push({"t", "u" + std::to_string(i), "", "request_burst", i, "r"});
  CHECK(log.flagged() == 10);
  CHECK(log.size() == 4);
  auto kept = log.recent(10);
  REQUIRE(kept.size() == 4);
  for (int k = 0; k < 4; ++k)
    CHECK(kept[k].user == "u" + std::to_string(9 - k));
  REQUIRE(log.recent(2).size() == 2);
  CHECK(log.recent(2)[1].user == "u8");
}

namespace {

constexpr int64_t step = demand_tracker::step_us;
const int64_t day0 = 1'750'032'000'000'000 - 1'750'032'000'000'000 % 86'400'000'000LL;

/// Busy from 08:00 to 18:00 (6 requests a step), quiet at night (1).
int regular(int64_t s) {
  auto hour = (s % 288) / 12;
  return hour >= 8 && hour < 18 ? 6 : 1;
}

/// Records `n` requests in step `s`; refits inline (the broker refits on
/// another thread) so the test is deterministic. Returns the outliers.
std::vector<demand_tracker::outlier> serve(demand_tracker& d, int64_t s, int n) {
  std::vector<demand_tracker::outlier> out;
  for (int k = 0; k < n; ++k) {
    if (auto o = d.record(k % 2 ? "ide" : "render", day0 + s * step + k * 1'000'000))
      out.push_back(*o);
    for (auto& job : d.take_refit_jobs()) {
      job->model.retrain();
      d.adopt(job);
    }
  }
  return out;
}

} // namespace

TEST_CASE("a demand step far outside the forecast interval is an outlier") {
  demand_tracker d;
  int64_t s = 0;
  // Less than three days of history: nothing is judged, not even a spike.
  for (; s < 100; ++s)
    CHECK(serve(d, s, regular(s)).empty());
  serve(d, s++, 80);
  CHECK(serve(d, s, regular(s)).empty()); // closes the spike step: too early
  for (++s; s < 3 * 288; ++s)
    CHECK(serve(d, s, regular(s)).empty());
  // A regular fourth day: at most the morning rise stands out.
  size_t regular_flags = 0;
  for (; s < 4 * 288; ++s)
    regular_flags += serve(d, s, regular(s)).size();
  CHECK(regular_flags <= 2);
  // A night step (02:00 of day 5) with 60 requests instead of one.
  s = 4 * 288 + 2 * 12;
  serve(d, s, 60);
  auto flagged = serve(d, s + 1, regular(s + 1)); // closes it
  REQUIRE(flagged.size() == 1);
  auto& o = flagged[0];
  CHECK(o.step_us == day0 + s * step);
  CHECK(o.count == 60);
  CHECK(o.upper95 < 60);
  CHECK(o.lower95 <= o.point);
  CHECK(o.point < 20);
}
