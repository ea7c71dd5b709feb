#include <array>
#include "render.hpp"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace prescient::ctl {

namespace {

std::string iso_time(int64_t us) {
  if (us <= 0)
    return "-";
  std::time_t secs = us / 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::ostringstream os;
  os << std::fixed << std::setprecision(u == 0 ? 0 : 1) << v << ' ' << units[u];
  return os.str();
}

std::string fixed(double v, int digits) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}

// Two-column "key  value" block with the keys padded to one width.
void rows(std::ostream& out,
          std::initializer_list<std::pair<const char*, std::string>> kv) {
  size_t width = 0;
  for (auto& [k, v] : kv)
    width = std::max(width, std::string(k).size());
  for (auto& [k, v] : kv)
    out << std::left << std::setw(static_cast<int>(width) + 2) << k << v << '\n';
}

} // namespace

nlohmann::json to_json(const node_status& s) {
  nlohmann::json dcs = nlohmann::json::array();
  for (auto& d : s.data_centers)
    dcs.push_back({{"name", d.name},
                   {"region", d.region},
                   {"cpu_capacity_millicores", d.cpu_capacity_millicores},
                   {"cpu_used_millicores", d.cpu_used_millicores},
                   {"memory_capacity_mb", d.memory_capacity_mb},
                   {"memory_used_mb", d.memory_used_mb},
                   {"instances_granted", d.instances_granted},
                   {"served_by", d.served_by},
                   {"region_lost", d.region_lost}});
  nlohmann::json members = nlohmann::json::array();
  for (auto& m : s.cluster.members)
    members.push_back({{"id", m.id},
                       {"address", m.address},
                       {"region", m.region},
                       {"state", m.state},
                       {"reachable", m.reachable},
                       {"phi", m.phi},
                       {"shards_primary", m.shards_primary},
                       {"shards_owned", m.shards_owned}});
  nlohmann::json cluster = {{"enabled", s.cluster.enabled}};
  if (s.cluster.enabled) {
    cluster["self"] = s.cluster.self;
    cluster["quorum"] = s.cluster.quorum;
    cluster["expected_nodes"] = s.cluster.expected_nodes;
    cluster["replicas"] = s.cluster.replicas;
    cluster["members"] = members;
    cluster["copies_in_flight"] = s.cluster.copies_in_flight;
    cluster["events_copied"] = s.cluster.events_copied;
  }
  return {{"node_id", s.node_id},
          {"version", s.version},
          {"uptime_s", s.uptime_s},
          {"shards", s.shards},
          {"resident_profiles", s.resident_profiles},
          {"known_users", s.known_users},
          {"events_ingested", s.events_ingested},
          {"events_per_s", s.events_per_second},
          {"storage_bytes", s.storage_bytes},
          {"rss_bytes", s.rss_bytes},
          {"event_time_us", s.event_time_us},
          {"data_centers", dcs},
          {"cluster", cluster}};
}

nlohmann::json to_json(const user_summary& s) {
  nlohmann::json apps = nlohmann::json::array();
  for (auto& a : s.top_apps)
    apps.push_back({{"app", a.app}, {"events", a.events}, {"launches", a.launches}});
  nlohmann::json predictions = nlohmann::json::array();
  for (auto& p : s.predictions) {
    nlohmann::json usage = nlohmann::json::object();
    for (auto& q : p.usage)
      usage[q.metric] = {{"p50", q.p50}, {"p90", q.p90}, {"p99", q.p99},
                         {"samples", q.samples}};
    predictions.push_back({{"app", p.app},
                           {"probability", p.probability},
                           {"device", p.device},
                           {"window_from_us", p.window_from_us},
                           {"window_to_us", p.window_to_us},
                           {"usage", usage}});
  }
  return {{"tenant", s.tenant},
          {"user", s.user},
          {"found", s.found},
          {"events", s.events},
          {"stored_events", s.stored_events},
          {"first_event_us", s.first_event_us},
          {"last_event_us", s.last_event_us},
          {"devices", s.devices},
          {"top_apps", apps},
          {"activity_class", s.activity_class},
          {"resident", s.resident},
          {"latency_class", s.latency_class},
          {"next_launch_from_us", s.next_launch_from_us},
          {"next_launch_to_us", s.next_launch_to_us},
          {"predictions", predictions}};
}

nlohmann::json to_json(const kpis& k) {
  return {{"events_ingested", k.events_ingested},
          {"events_rejected", k.events_rejected},
          {"requests", k.requests},
          {"grants_prewarmed", k.grants_prewarmed},
          {"grants_shadow", k.grants_shadow},
          {"grants_reactive", k.grants_reactive},
          {"hit_rate", k.hit_rate},
          {"cold_starts", k.cold_starts},
          {"releases", k.releases},
          {"decision_latency_p50_us", k.decision_latency_p50_us},
          {"decision_latency_p99_us", k.decision_latency_p99_us},
          {"holds_placed", k.holds_placed},
          {"holds_claimed", k.holds_claimed},
          {"holds_expired", k.holds_expired},
          {"prealloc_success_rate", k.prealloc_success_rate},
          {"idle_warm_core_s", k.idle_warm_core_s},
          {"idle_warm_gb_s", k.idle_warm_gb_s},
          {"utilization", k.utilization},
          {"predictions_scored", k.predictions_scored},
          {"prediction_error", k.prediction_error},
          {"prediction_logloss", k.prediction_logloss},
          {"prediction_ece", k.prediction_ece},
          {"timing_coverage80", k.timing_coverage80},
          {"demand_forecast_mae", k.demand_forecast_mae},
          {"demand_forecast_coverage95", k.demand_forecast_coverage95},
          {"anomalies_flagged", k.anomalies_flagged},
          {"throttled", k.throttled},
          {"reserve_hits", k.reserve_hits},
          {"reserve_misses", k.reserve_misses},
          {"reserve_idle_core_s", k.reserve_idle_core_s},
          {"idle_warm_cost", k.idle_warm_cost},
          {"claims_forwarded", k.claims_forwarded},
          {"claims_fallback", k.claims_fallback},
          {"claims_remote_dc", k.claims_remote_dc}};
}

nlohmann::json to_json(const data_center_forecast& f) {
  nlohmann::json series = nlohmann::json::array();
  for (auto& s : f.series)
    series.push_back({{"app", s.app},
                      {"point", s.point},
                      {"lower95", s.lower95},
                      {"upper95", s.upper95}});
  return {{"data_center", f.data_center},
          {"step_s", f.step_s},
          {"start_us", f.start_us},
          {"observations", f.observations},
          {"series", series}};
}

void print(std::ostream& out, const data_center_forecast& f) {
  out << "demand forecast of " << f.data_center << ": requests per "
      << f.step_s / 60 << "-minute step, learned from " << f.observations
      << " steps\n";
  if (f.series.empty() || f.series.front().point.empty())
    return;
  // The total with its 95% interval, then up to three app templates.
  size_t apps = std::min<size_t>(f.series.size() - 1, 3);
  out << '\n' << std::left << std::setw(22) << "STEP STARTS" << std::right
      << std::setw(10) << "TOTAL" << std::setw(20) << "95% INTERVAL";
  for (size_t a = 1; a <= apps; ++a)
    out << std::setw(14) << f.series[a].app.substr(0, 13);
  out << '\n';
  const auto& total = f.series.front();
  for (size_t h = 0; h < total.point.size(); ++h) {
    auto at = f.start_us + int64_t(h) * f.step_s * 1'000'000LL;
    std::string range = total.lower95.size() > h
                          ? fixed(total.lower95[h], 1) + " - " + fixed(total.upper95[h], 1)
                          : "-";
    out << std::left << std::setw(22) << iso_time(at) << std::right << std::setw(10)
        << fixed(total.point[h], 1) << std::setw(20) << range;
    for (size_t a = 1; a <= apps; ++a)
      out << std::setw(14) << fixed(f.series[a].point[h], 1);
    out << '\n';
  }
}

nlohmann::json to_json(const std::vector<anomaly>& all) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& a : all)
    out.push_back({{"tenant", a.tenant},
                   {"user", a.user},
                   {"data_center", a.data_center},
                   {"kind", a.kind},
                   {"time_us", a.time_us},
                   {"reason", a.reason}});
  return out;
}

void print(std::ostream& out, const std::vector<anomaly>& all) {
  if (all.empty()) {
    out << "no anomalies flagged\n";
    return;
  }
  // Who: tenant/user for behaviour, the data center for demand.
  out << std::left << std::setw(22) << "TIME" << std::setw(24) << "WHO"
      << std::setw(25) << "KIND" << "REASON\n";
  for (auto& a : all) {
    auto who = a.data_center.empty() ? a.tenant + "/" + a.user : a.data_center;
    out << std::left << std::setw(22) << iso_time(a.time_us) << std::setw(24) << who
        << std::setw(25) << a.kind << a.reason << '\n';
  }
}

namespace {

void print_cluster(std::ostream& out, const cluster_status& c) {
  if (!c.enabled)
    return;
  out << '\n'
      << "cluster: " << c.members.size() << " members, " << c.expected_nodes
      << " expected, " << c.replicas << " replicas, "
      << (c.quorum ? "quorum (accepts writes)" : "NO QUORUM (refuses writes)") << ", "
      << c.copies_in_flight << " shard copies in flight, " << c.events_copied
      << " events copied\n"
      << std::left << std::setw(16) << "MEMBER" << std::setw(24) << "ADDRESS"
      << std::setw(12) << "REGION" << std::setw(10) << "STATE" << std::setw(11)
      << "REACHABLE" << std::right << std::setw(8) << "PHI" << std::setw(10) << "PRIMARY"
      << std::setw(8) << "OWNED" << '\n';
  for (auto& m : c.members)
    out << std::left << std::setw(16) << (m.id == c.self ? m.id + " *" : m.id)
        << std::setw(24) << m.address << std::setw(12) << m.region << std::setw(10)
        << m.state << std::setw(11) << (m.reachable ? "yes" : "no") << std::right
        << std::setw(8) << fixed(m.phi, 1) << std::setw(10) << m.shards_primary
        << std::setw(8) << m.shards_owned << '\n';
}

} // namespace

void print(std::ostream& out, const node_status& s) {
  rows(out, {{"node", s.node_id + " (prescient " + s.version + ")"},
             {"uptime", fixed(s.uptime_s, 0) + " s"},
             {"shards", std::to_string(s.shards)},
             {"resident profiles", std::to_string(s.resident_profiles)},
             {"known users", std::to_string(s.known_users) + " (estimate)"},
             {"events ingested", std::to_string(s.events_ingested)},
             {"events/s", fixed(s.events_per_second, 0)},
             {"event time", iso_time(s.event_time_us)},
             {"storage", bytes(s.storage_bytes)},
             {"resident memory", bytes(s.rss_bytes)}});
  print_cluster(out, s.cluster);
  if (s.data_centers.empty())
    return;
  out << '\n'
      << std::left << std::setw(16) << "DATA CENTER" << std::setw(12) << "REGION"
      << std::right << std::setw(14) << "CPU USED" << std::setw(14) << "CPU CAP"
      << std::setw(12) << "MEM USED" << std::setw(12) << "MEM CAP"
      << std::setw(10) << "GRANTS" << (s.cluster.enabled ? "  SERVED BY" : "") << '\n';
  for (auto& d : s.data_centers) {
    out << std::left << std::setw(16) << d.name << std::setw(12) << d.region
        << std::right << std::setw(14) << fixed(d.cpu_used_millicores / 1000, 1) + " c"
        << std::setw(14) << fixed(d.cpu_capacity_millicores / 1000, 1) + " c"
        << std::setw(12) << bytes(uint64_t(d.memory_used_mb) << 20)
        << std::setw(12) << bytes(uint64_t(d.memory_capacity_mb) << 20)
        << std::setw(10) << d.instances_granted;
    // Which node's broker counts: its home, "this node" when every node
    // serves it, or LOST when its region has no reachable node.
    if (s.cluster.enabled)
      out << "  "
          << (d.region_lost ? "LOST (region unreachable)"
                            : d.served_by.empty() ? "each node" : d.served_by);
    out << '\n';
  }
}

void print(std::ostream& out, const user_summary& s) {
  if (!s.found) {
    out << "user '" << s.user << "' of tenant '" << s.tenant
        << "' has no history on this node\n";
    return;
  }
  std::string devices;
  for (auto& d : s.devices)
    devices += (devices.empty() ? "" : ", ") + d;
  rows(out, {{"user", s.tenant + "/" + s.user},
             {"activity class", s.activity_class},
             {"events", std::to_string(s.events) + " ingested, "
                          + std::to_string(s.stored_events) + " stored"},
             {"first event", iso_time(s.first_event_us)},
             {"last event", iso_time(s.last_event_us)},
             {"devices", devices.empty() ? "-" : devices},
             {"in memory", s.resident ? "yes" : "no (passivated)"},
             {"latency class", s.latency_class.empty() ? "-" : s.latency_class},
             {"next launch", s.next_launch_to_us == 0
                               ? "-"
                               : iso_time(s.next_launch_from_us) + " .. "
                                   + iso_time(s.next_launch_to_us) + " (80%)"}});
  if (!s.predictions.empty()) {
    // Resources: the p50 / p90 of what the app's runs used.
    auto quantiles = [](const app_prediction& p, const char* metric, int digits) {
      for (auto& q : p.usage)
        if (q.metric == metric)
          return fixed(q.p50, digits) + "/" + fixed(q.p90, digits);
      return std::string("-");
    };
    std::vector<std::array<std::string, 7>> table;
    table.push_back({"APP", "P", "DEVICE", "WINDOW (80%)", "CPU mc", "MEM MB", "DURATION s"});
    for (auto& p : s.predictions) {
      std::string duration = "-";
      for (auto& q : p.usage)
        if (q.metric == "duration_ms")
          duration = fixed(q.p50 / 1000, 1) + "/" + fixed(q.p90 / 1000, 1);
      table.push_back({p.app, fixed(100 * p.probability, 1) + "%",
                       p.device.empty() ? "-" : p.device,
                       p.window_to_us == 0 ? "-"
                                           : iso_time(p.window_from_us) + " .. "
                                               + iso_time(p.window_to_us),
                       quantiles(p, "cpu_millicores", 0), quantiles(p, "memory_mb", 0),
                       duration});
    }
    std::array<size_t, 7> width{};
    for (auto& row : table)
      for (size_t c = 0; c < row.size(); ++c)
        width[c] = std::max(width[c], row[c].size());
    out << "\nLIKELY NEXT (calibrated; usage p50/p90)\n";
    for (auto& row : table) {
      for (size_t c = 0; c < row.size(); ++c) {
        // The probability right-aligned, the rest left; two spaces apart.
        if (c == 1)
          out << std::right << std::setw(static_cast<int>(width[c])) << row[c];
        else
          out << std::left << std::setw(static_cast<int>(c + 1 == row.size() ? 0 : width[c]))
              << row[c];
        out << (c + 1 == row.size() ? "\n" : "  ");
      }
    }
  }
  if (s.top_apps.empty())
    return;
  out << '\n'
      << std::left << std::setw(24) << "APP" << std::right << std::setw(10)
      << "EVENTS" << std::setw(10) << "LAUNCHES" << '\n';
  for (auto& a : s.top_apps)
    out << std::left << std::setw(24) << a.app << std::right << std::setw(10)
        << a.events << std::setw(10) << a.launches << '\n';
}

void print(std::ostream& out, const kpis& k) {
  rows(out, {{"events ingested", std::to_string(k.events_ingested)},
             {"events rejected", std::to_string(k.events_rejected)},
             {"requests", std::to_string(k.requests)},
             {"grants prewarmed", std::to_string(k.grants_prewarmed)},
             {"grants shadow", std::to_string(k.grants_shadow)},
             {"grants reactive", std::to_string(k.grants_reactive)},
             {"hit rate", fixed(100 * k.hit_rate, 1) + " %"},
             {"cold starts", std::to_string(k.cold_starts)},
             {"releases", std::to_string(k.releases)},
             {"decision latency p50", fixed(k.decision_latency_p50_us, 0) + " µs"},
             {"decision latency p99", fixed(k.decision_latency_p99_us, 0) + " µs"},
             {"holds placed", std::to_string(k.holds_placed)},
             {"holds claimed / expired", std::to_string(k.holds_claimed) + " / "
                                           + std::to_string(k.holds_expired)},
             {"pre-allocation success", fixed(100 * k.prealloc_success_rate, 1) + " %"},
             {"idle warm capacity", fixed(k.idle_warm_core_s / 3600, 2) + " core-h, "
                                      + fixed(k.idle_warm_gb_s / 3600, 2) + " GB-h"},
             {"utilization (cpu)", fixed(100 * k.utilization, 1) + " %"},
             {"next uses scored", std::to_string(k.predictions_scored)},
             {"next app: error / log loss / ECE",
              fixed(100 * k.prediction_error, 1) + " % / " + fixed(k.prediction_logloss, 3)
                + " / " + fixed(k.prediction_ece, 3)},
             {"launch in 80% window", fixed(100 * k.timing_coverage80, 1) + " %"},
             {"demand forecast MAE", fixed(k.demand_forecast_mae, 2) + " requests / 5 min, "
                                       + fixed(100 * k.demand_forecast_coverage95, 1)
                                       + " % in 95% interval"},
             {"anomalies flagged", std::to_string(k.anomalies_flagged)},
             {"throttled", std::to_string(k.throttled)},
             {"warm reserve hits / misses", std::to_string(k.reserve_hits) + " / "
                                              + std::to_string(k.reserve_misses)},
             {"warm reserve idle", fixed(k.reserve_idle_core_s / 3600, 2) + " core-h"},
             {"idle warm cost", fixed(k.idle_warm_cost, 2)},
             {"claims forwarded / fallback", std::to_string(k.claims_forwarded) + " / "
                                               + std::to_string(k.claims_fallback)},
             {"claims to remote data centers", std::to_string(k.claims_remote_dc)}});
}

} // namespace prescient::ctl
