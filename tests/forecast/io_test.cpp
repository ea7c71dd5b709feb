// Readers (M4 layout, timestamp,value CSV) and accuracy measures.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "prescient/forecast/io.hpp"
#include "prescient/forecast/metrics.hpp"

using namespace prescient::forecast;

namespace {
std::string fixture(const char* name) { return std::string(PRESCIENT_SOURCE_DIR) + "/tests/forecast/fixtures/" + name; }
} // namespace

TEST_CASE("M4 reader: header, quoted cells, rows of different lengths", "[forecast][io]") {
  auto s = read_m4_file(fixture("m4-small.csv"), false);
  REQUIRE(s.size() == 3);
  CHECK(s[0].id == "T1");
  CHECK(s[0].values == std::vector<double>{1, 2, 3, 4, 5});
  CHECK(s[1].values == std::vector<double>{10, 20, 30});
  CHECK(s[2].id == "T3");
  CHECK(s[2].values == std::vector<double>{7, 8});
  CHECK(s[2].line == 4);
}

TEST_CASE("M4 reader: malformed lines stop with FILE:LINE or are skipped", "[forecast][io]") {
  std::string path = fixture("m4-bad.csv");
  try {
    read_m4_file(path, false);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).rfind(path + ":3: bad value 'x'", 0) == 0);
  }
  read_stats st;
  auto s = read_m4_file(path, true, &st);
  CHECK(st.skipped == 2);  // a bad value, and a hole inside a series
  REQUIRE(s.size() == 2);
  CHECK(s[0].id == "T1");
  CHECK(s[1].id == "T4");
  CHECK(st.first_skip.rfind(path + ":3:", 0) == 0);
  CHECK_THROWS_AS(read_m4_file("/nonexistent/file.csv", false), input_error);
}

TEST_CASE("M4 reader: in-memory stream, CRLF, missing id", "[forecast][io]") {
  std::istringstream in("V1,V2\r\nA,1\r\n,2\r\n");
  CHECK_THROWS_WITH(read_m4(in, "mem", false), "mem:3: empty series id");
}

TEST_CASE("timestamp parsing", "[forecast][io]") {
  double t = 0;
  REQUIRE(parse_timestamp("1970-01-02", t));
  CHECK(t == 86400);
  REQUIRE(parse_timestamp("2019-01-01 00:01:00", t));
  CHECK(t == 1546300860);
  REQUIRE(parse_timestamp("2019-01-01T01:00:00+01:00", t));
  CHECK(t == 1546300800);
  REQUIRE(parse_timestamp("1546300800.5", t));
  CHECK(t == 1546300800.5);
  CHECK_FALSE(parse_timestamp("yesterday", t));
  CHECK_FALSE(parse_timestamp("2019-13-01", t));
}

TEST_CASE("series reader: column by name, gaps and NA filled", "[forecast][io]") {
  read_stats st;
  auto s = read_series_file(fixture("series-small.csv"), "requests", false, &st);
  CHECK(s.step_seconds == 60);
  CHECK(s.start == 1546300800);
  // 00:03 is missing and 00:05 is NA: both interpolated.
  REQUIRE(s.values == std::vector<double>{5, 6, 7, 8, 9, 11, 13});
  CHECK(st.filled == 2);
  try {
    read_series_file(fixture("series-small.csv"), "nope", false);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find(":1: no column 'nope'") != std::string::npos);
  }
}

TEST_CASE("series reader: malformed lines", "[forecast][io]") {
  std::string path = fixture("series-bad.csv");
  CHECK_THROWS_WITH(read_series_file(path, "value", false), path + ":4: bad value 'oops'");
  read_stats st;
  auto s = read_series_file(path, "value", true, &st);
  CHECK(st.skipped == 3);  // bad value, time going back, extra field
  CHECK(s.step_seconds == 60);
  REQUIRE(s.values.size() == 8);  // 0..420 every 60 s, 120 and 240 filled
  CHECK(s.values[0] == 1);
  CHECK(s.values[2] == Approx(3));
  CHECK(s.values[3] == 4);
  CHECK(s.values[5] == 7);
  CHECK(s.values[4] == Approx(5.5));
}

TEST_CASE("metrics: M4 definitions", "[forecast][metrics]") {
  std::vector<double> a{10, 20, 0}, f{12, 20, 0};
  CHECK(smape(a, f) == Approx(200.0 / 3 * (2.0 / 22)));
  std::vector<double> ins{1, 2, 3, 4, 5, 6};
  CHECK(mase_scale(ins, 2) == Approx(2.0));
  CHECK(mase_scale({3, 3, 3}, 1) == 1.0);  // constant history: finite scale
  CHECK(mase(a, f, 2.0) == Approx(1.0 / 3));
  std::vector<double> lo{9, 21, 0}, hi{11, 22, 0};
  CHECK(coverage(a, lo, hi) == Approx(2.0 / 3));
  // widths 2+1+0, one miss below by 1 -> 2/0.05*1 = 40
  CHECK(msis(a, lo, hi, 1.0) == Approx((3 + 40) / 3.0));
}
