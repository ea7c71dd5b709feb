// Trace readers: one interface, one file per format.
//
//  events   the neutral event CSV: header, then `time_s,user,device,session,app`
//           (any column order; the header decides), optional further columns
//           `tenant,kind,cpu_millicores,memory_mb,disk_iops,network_mbps,gpus,
//           duration_ms`. Every row is one use of an app.
//  eventlog Prescient's own event log: the neutral CSV with all the columns
//           `time_s,tenant,user,device,session,app,kind,cpu_millicores,
//           memory_mb,disk_iops,network_mbps,gpus,duration_ms` (written by
//           event_log_writer).
//  azure    Azure Functions 2019 (Shahrad et al.): invocations.csv with
//           `HashOwner,HashApp[,HashFunction][,Trigger],<minutes>` where the
//           minute columns are `1..1440`, `minute_1..` or any subset. Owner ->
//           user, app -> app; functions of an app are summed per minute; each
//           minute in which an app was invoked is one event at the minute's
//           start (requests = invocations). One tenant ("azure").
//
// A malformed line throws trace_error("FILE:LINE: reason") unless skip_bad is
// set, in which case the line is skipped and counted.
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace prescient::traces {

struct trace_event {
  double time_s = 0;
  std::string tenant, user, device, session, app, kind;
  float cpu_millicores = NAN, memory_mb = NAN, disk_iops = NAN, network_mbps = NAN, gpus = NAN,
        duration_ms = NAN;
  std::uint32_t requests = 1;
  bool has_usage() const {
    return std::isfinite(cpu_millicores) || std::isfinite(memory_mb) || std::isfinite(disk_iops) ||
           std::isfinite(network_mbps) || std::isfinite(gpus) || std::isfinite(duration_ms);
  }
};

class trace_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct read_options {
  bool skip_bad = false;
};

class trace_reader {
public:
  virtual ~trace_reader() = default;
  /// Next event; false at the end. Throws trace_error on a malformed line.
  virtual bool next(trace_event& e) = 0;
  /// Lines skipped as malformed (skip_bad).
  std::uint64_t skipped() const { return skipped_; }
protected:
  std::uint64_t skipped_ = 0;
};

/// Throws trace_error when the file cannot be opened or its header is unusable.
std::unique_ptr<trace_reader> open_events_csv(const std::string& path, read_options o = {});
std::unique_ptr<trace_reader> open_event_log(const std::string& path, read_options o = {});
/// `path`: invocations.csv, or the directory holding it.
std::unique_ptr<trace_reader> open_azure(const std::string& path, read_options o = {});
/// format: "events", "eventlog" or "azure".
std::unique_ptr<trace_reader> open_trace(const std::string& format, const std::string& path,
                                         read_options o = {});

/// Writes Prescient's event log (header first).
class event_log_writer {
public:
  explicit event_log_writer(std::ostream& out);
  void write(const trace_event& e);
private:
  std::ostream& out_;
};

namespace detail {
/// Splits one CSV line (commas; surrounding double quotes stripped; no
/// embedded commas inside quotes are needed by these formats).
void split_csv(const std::string& line, std::vector<std::string>& out);
bool parse_double(const std::string& s, double& v);
/// Opens `path` into `in` and returns its header's fields; throws
/// trace_error ("PATH: cannot open", "PATH:1: empty file (no header)").
std::vector<std::string> open_with_header(std::ifstream& in, const std::string& path);
} // namespace detail

} // namespace prescient::traces
