// Text forms used by the configuration: durations, sizes, listen addresses,
// and the human summary printed at startup.
#include "prescient/node/config.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace prescient::node {

namespace {

struct unit {
  std::string_view name;
  int64_t us;
};

// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr unit parse_units[] = {
  {"us", 1},
  {"ms", 1'000},
  {"s", 1'000'000},
  {"m", 60'000'000},
  {"h", 3'600'000'000},
  {"d", 86'400'000'000},
  {"w", 604'800'000'000},
};

// For printing: days, not weeks ("90d" reads better than "12w6d").
constexpr unit print_units[] = {
  {"d", 86'400'000'000}, {"h", 3'600'000'000}, {"m", 60'000'000},
  {"s", 1'000'000},      {"ms", 1'000},        {"us", 1},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

} // namespace

std::optional<duration> parse_duration(std::string_view s) {
  if (s == "0")
    return duration{0};
  if (s.empty())
    return std::nullopt;
  constexpr double max_us = 100.0 * 366 * 86'400'000'000.0; // a century
  double total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && is_digit(s[i]))
      ++i;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t frac = i;
      while (i < s.size() && is_digit(s[i]))
        ++i;
      if (frac == i)
        return std::nullopt; // "1." is not a number
    }
    if (i == start || s[start] == '.')
      return std::nullopt;
    double value = std::strtod(std::string(s.substr(start, i - start)).c_str(),
                               nullptr);
    size_t ustart = i;
    while (i < s.size() && !is_digit(s[i]) && s[i] != '.')
      ++i;
    auto name = s.substr(ustart, i - ustart);
    const unit* u = nullptr;
    for (auto& cand : parse_units)
      if (cand.name == name)
        u = &cand;
    if (!u)
      return std::nullopt;
    total += value * static_cast<double>(u->us);
    if (!std::isfinite(total) || total > max_us)
      return std::nullopt;
  }
  return duration{static_cast<int64_t>(std::llround(total))};
}

std::string format_duration(duration d) {
  int64_t us = d.count();
  if (us == 0)
    return "0s";
  std::string out;
  if (us < 0) {
    out = "-";
    us = -us;
  }
  for (auto& u : print_units) {
    if (us >= u.us) {
      out += std::to_string(us / u.us);
      out += u.name;
      us %= u.us;
    }
  }
  return out;
}

std::optional<listen_address> parse_listen_address(std::string_view s) {
  listen_address out;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size()
        || s[close + 1] != ':')
      return std::nullopt;
    out.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos)
      return std::nullopt;
    out.host = std::string(s.substr(0, colon));
    if (out.host.find(':') != std::string::npos)
      return std::nullopt; // bare IPv6 literal: needs brackets
    port = s.substr(colon + 1);
  }
  if (out.host.empty() || port.empty() || port.size() > 5)
    return std::nullopt;
  for (char c : out.host)
    if (static_cast<unsigned char>(c) <= ' ' || c == '[' || c == ']'
        || c == '/')
      return std::nullopt;
  unsigned value = 0;
  for (char c : port) {
    if (!is_digit(c))
      return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535)
    return std::nullopt;
  out.port = static_cast<uint16_t>(value);
  return out;
}

std::string listen_address::to_string() const {
  std::string p = std::to_string(port);
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + p;
  return host + ":" + p;
}

namespace {

std::string num(double v, int precision = 6) {
  std::ostringstream os;
  os.precision(precision);
  os << v;
  return os.str();
}

std::string bytes(uint64_t b) {
  if (b % (1ull << 30) == 0)
    return std::to_string(b >> 30) + " GiB";
  if (b % (1ull << 20) == 0)
    return std::to_string(b >> 20) + " MiB";
  if (b % (1ull << 10) == 0)
    return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}

} // namespace

std::string describe(const node_config& c) {
  std::ostringstream os;
  const auto& n = c.node;
  os << "node " << n.id << " (config " << (c.source.empty() ? "-" : c.source)
     << "): rpc " << n.rpc_listen.to_string() << ", data " << n.data_dir
     << ", " << n.shards << " shards, "
     << (n.worker_threads == 0 ? std::string("auto")
                               : std::to_string(n.worker_threads))
     << " worker threads, metrics "
     << (n.metrics_listen ? n.metrics_listen->to_string() : std::string("off"))
     << '\n';
  os << "storage: sync " << (c.storage.sync ? "on" : "off")
     << ", retention frequent " << format_duration(c.storage.retention_frequent)
     << " / regular " << format_duration(c.storage.retention_regular)
     << " / occasional " << format_duration(c.storage.retention_occasional)
     << '\n';
  os << "ingest: <= " << c.ingest.max_batch_events << " events/batch, max age "
     << format_duration(c.ingest.max_event_age) << ", max skew "
     << format_duration(c.ingest.max_clock_skew) << ", <= "
     << c.ingest.max_inflight_events << " events in flight\n";
  os << "profiles: passivate after " << format_duration(c.profiles.idle_passivation)
     << " idle, checkpoint every "
     << format_duration(c.profiles.checkpoint_interval) << " or "
     << bytes(c.profiles.checkpoint_bytes) << ", models "
     << bytes(c.profiles.model_memory) << '\n';
  if (c.learned.enabled)
    os << "learned model: train every " << format_duration(c.learned.train_interval)
       << " on " << format_duration(c.learned.history) << " of history, "
       << format_duration(c.learned.time_budget) << " budget, after "
       << c.learned.min_new_events << " new events\n";
  else
    os << "learned model: off\n";
  os << "policy: hold " << format_duration(c.policy.hold_time)
     << ", prewarm threshold " << num(c.policy.prewarm_threshold, 3) << ", spot ceiling "
     << num(c.policy.spot_ceiling) << "/core-h, warm reserve "
     << (c.policy.reserve_lead.count() > 0 ? format_duration(c.policy.reserve_lead) + " ahead"
                                           : std::string("off"))
     << '\n';
  if (auto& cl = c.cluster) {
    os << "cluster: endpoint " << cl->listen.to_string() << ", region " << cl->region
       << ", " << cl->expected_nodes << " expected nodes, " << cl->replicas
       << " replicas, seeds";
    if (cl->seeds.empty())
      os << " none";
    for (auto& s : cl->seeds)
      os << ' ' << s.to_string();
    os << ", heartbeat " << format_duration(cl->heartbeat_interval) << ", connection timeout "
       << format_duration(cl->connection_timeout) << ", request timeout "
       << format_duration(cl->request_timeout) << ", phi " << num(cl->phi_threshold) << '\n';
  } else {
    os << "cluster: off (standalone)\n";
  }
  os << "regions (" << c.regions.size() << "):";
  for (size_t i = 0; i < c.regions.size(); ++i)
    os << (i ? ", " : " ") << c.regions[i].name;
  os << '\n';
  os << "data centers (" << c.data_centers.size() << "):";
  for (auto& dc : c.data_centers) {
    os << "\n  " << dc.name << " [" << dc.region << "] "
       << num(dc.capacity.cpu_millicores / 1000.0) << " cores, "
       << num(dc.capacity.memory_mb / 1024.0) << " GiB, "
       << num(dc.capacity.gpus) << " GPUs, on-demand "
       << num(dc.price_on_demand) << "/core-h, spot " << num(dc.price_spot)
       << "/core-h" << (dc.spot_prices.empty() ? "" : " (series)") << ", start cold "
       << num(dc.cold_start_ms) << " ms / warm " << num(dc.warm_start_ms)
       << " ms, provider " << dc.provider;
  }
  os << '\n';
  os << "tenants (" << c.tenants.size() << "):";
  for (auto& t : c.tenants) {
    os << "\n  " << t.id << ": regions ";
    if (t.allowed_regions.empty()) {
      os << "all";
    } else {
      for (size_t i = 0; i < t.allowed_regions.size(); ++i)
        os << (i ? "," : "") << t.allowed_regions[i];
    }
    os << ", reserve share <= " << num(t.max_reserve_share, 3) << ", priority "
       << t.priority;
    if (t.throttle_anomalous)
      os << ", throttles anomalous users (" << t.throttle_requests_per_minute
         << " requests/min)";
    if (!t.tokens_sha256.empty())
      os << ", " << t.tokens_sha256.size() << " token(s)";
  }
  const auto& sec = c.security;
  os << "\nsecurity: " << (sec.production ? "production" : "development")
     << " mode, nodes " << (sec.tls() ? "mutual TLS against " + sec.ca
                                      : std::string("anonymous TLS (not authenticated)"))
     << ", clients " << (c.authentication_enforced() ? "log in with a token"
                                                     : "unauthenticated")
     << ", " << sec.admin_tokens_sha256.size() << " admin token(s)";
  return os.str();
}

} // namespace prescient::node
