// Readers for the series the forecaster is evaluated on:
//  * M4 layout: a header (`V1,V2,...`), then one series per row: the id in
//    the first column, then its values; rows have different lengths, so the
//    trailing cells are empty (or NA). Cells may be quoted.
//  * timestamp,value layout: a header naming the columns; the value column is
//    chosen by name; the time column is the one named timestamp / time /
//    time_s / t / date / datetime / ds, else the first column. Timestamps are
//    ISO 8601 (`YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z|+hh:mm]`) or seconds since
//    the epoch. The step is the median spacing; missing steps (gaps that are
//    whole multiples of the step) and empty / NA values are filled by linear
//    interpolation and counted.
// A malformed line throws input_error("FILE:LINE: reason") unless skip_bad,
// in which case it is skipped and counted.
#pragma once

#include <cstddef>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace prescient::forecast {

struct input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct named_series {
  std::string id;
  std::vector<double> values;
  std::size_t line = 0;  ///< line of the file it came from
};

struct read_stats {
  std::size_t lines = 0;    ///< data lines read
  std::size_t skipped = 0;  ///< malformed lines skipped (skip_bad)
  std::size_t filled = 0;   ///< values filled in (gaps, empty cells)
  std::string first_skip;   ///< "FILE:LINE: reason" of the first skipped line
};

/// Splits one CSV line (RFC 4180 quotes, "" escapes); false on an unbalanced quote.
bool split_csv(const std::string& line, std::vector<std::string>& out);

/// Parses an ISO 8601 date-time or an epoch number into seconds since the epoch.
bool parse_timestamp(const std::string& text, double& seconds);

std::vector<named_series> read_m4(std::istream& in, const std::string& name, bool skip_bad,
                                  read_stats* stats = nullptr);
std::vector<named_series> read_m4_file(const std::string& path, bool skip_bad, read_stats* stats = nullptr);

struct timed_series {
  std::string column;
  std::vector<double> values;
  double start = 0;         ///< seconds since the epoch of the first value
  double step_seconds = 0;  ///< median spacing (0 when unknown)
};

timed_series read_series(std::istream& in, const std::string& name, const std::string& column,
                         bool skip_bad, read_stats* stats = nullptr);
timed_series read_series_file(const std::string& path, const std::string& column, bool skip_bad,
                              read_stats* stats = nullptr);

} // namespace prescient::forecast
