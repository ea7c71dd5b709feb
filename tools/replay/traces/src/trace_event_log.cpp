// Writer of Prescient's event log (read back by open_event_log).
#include <cstdio>
#include <ostream>

#include "prescient/traces/trace_reader.hpp"

namespace prescient::traces {

event_log_writer::event_log_writer(std::ostream& out) : out_(out) {
  out_ << "time_s,tenant,user,device,session,app,kind,cpu_millicores,memory_mb,disk_iops,"
          "network_mbps,gpus,duration_ms\n";
}

void event_log_writer::write(const trace_event& e) {
  auto num = [](double v) -> std::string {
    if (!std::isfinite(v)) return {};
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", v);
    return b;
  };
  char t[40];
  std::snprintf(t, sizeof t, "%.3f", e.time_s);
  out_ << t << ',' << e.tenant << ',' << e.user << ',' << e.device << ',' << e.session << ','
       << e.app << ',' << e.kind << ',' << num(e.cpu_millicores) << ',' << num(e.memory_mb) << ','
       << num(e.disk_iops) << ',' << num(e.network_mbps) << ',' << num(e.gpus) << ','
       << num(e.duration_ms) << '\n';
}

} // namespace prescient::traces
