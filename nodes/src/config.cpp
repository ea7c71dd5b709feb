// Strict TOML -> node_config. A small `reader` walks one table at a time:
// it first refuses keys it does not know (so a typo is reported as a typo,
// not as a missing key), then reads each key with a type check and a range
// check, and every failure becomes one config_error line with the position
// toml++ recorded and the full dotted key path.
#include "prescient/node/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include <toml++/toml.h>

#include "prescient/wire/validate.hpp"

namespace prescient::node {

namespace {

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string position(const std::string& source, const toml::source_region& r) {
  std::string out = source;
  if (r.begin.line > 0) {
    out += ':';
    out += std::to_string(r.begin.line);
    out += ':';
    out += std::to_string(r.begin.column);
  }
  return out;
}

[[noreturn]] void fail(const std::string& source, const toml::source_region& r,
                       const std::string& path, const std::string& reason) {
  throw config_error(position(source, r) + ": key '" + path + "': " + reason);
}

std::string fmt_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

/// One table being read. `path` is the dotted key path of the table itself
/// ("" for the root).
class reader {
public:
  reader(const std::string& source, const toml::table& tbl, std::string path)
    : source_(source), tbl_(tbl), path_(std::move(path)) {
    // nop
  }

  std::string key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  /// Refuses any key not in `known`.
  void allow_only(std::initializer_list<std::string_view> known) const {
    for (auto&& [k, v] : tbl_) {
      bool ok = false;
      for (auto kk : known)
        ok = ok || k.str() == kk;
      if (ok)
        continue;
      std::string list;
      for (auto kk : known) {
        if (!list.empty())
          list += ", ";
        list += kk;
      }
      auto& src = k.source().begin.line > 0 ? k.source() : v.source();
      throw config_error(position(source_, src) + ": unknown key '"
                         + key_path(k.str()) + "'; known keys: " + list);
    }
  }

  const toml::node* find(std::string_view key) const {
    return tbl_.get(key);
  }

  const toml::node& require(std::string_view key) const {
    auto* n = find(key);
    if (!n)
      fail(source_, tbl_.source(), key_path(key), "missing required key");
    return *n;
  }

  [[noreturn]] void bad(std::string_view key, const toml::node& n,
                        const std::string& reason) const {
    fail(source_, n.source(), key_path(key), reason);
  }

  [[noreturn]] void wrong_type(std::string_view key, const toml::node& n,
                               const char* expected) const {
    bad(key, n, std::string("expected ") + expected + ", got "
                  + type_name(n.type()));
  }

  // -- typed getters: leave `out` alone when the key is absent ---------------

  void get_string(std::string_view key, std::string& out) const {
    if (auto* n = find(key))
      out = as_string(key, *n);
  }

  std::string as_string(std::string_view key, const toml::node& n) const {
    if (auto* s = n.as_string())
      return s->get();
    wrong_type(key, n, "a string");
  }

  /// A string usable as an identifier (see prescient::check_id).
  void get_id(std::string_view key, std::string& out) const {
    if (auto* n = find(key))
      out = as_id(key, *n);
  }

  std::string as_id(std::string_view key, const toml::node& n) const {
    auto s = as_string(key, n);
    if (auto why = check_id("value", s))
      bad(key, n, *why);
    return s;
  }

  void get_bool(std::string_view key, bool& out) const {
    if (auto* n = find(key)) {
      if (auto* b = n->as_boolean())
        out = b->get();
      else
        wrong_type(key, *n, "a boolean");
    }
  }

  template <class T>
  void get_int(std::string_view key, T& out, int64_t lo, int64_t hi) const {
    if (auto* n = find(key)) {
      auto* i = n->as_integer();
      if (!i)
        wrong_type(key, *n, "an integer");
      int64_t v = i->get();
      if (v < lo || v > hi)
        bad(key, *n, "value " + std::to_string(v) + " is out of range "
                       + std::to_string(lo) + ".." + std::to_string(hi));
      out = static_cast<T>(v);
    }
  }

  /// Integers and floats; must be finite. `lo_open` excludes `lo` itself.
  void get_number(std::string_view key, double& out, double lo, double hi,
                  bool lo_open = false) const {
    if (auto* n = find(key))
      out = as_number(key, *n, lo, hi, lo_open);
  }

  double as_number(std::string_view key, const toml::node& n, double lo,
                   double hi, bool lo_open = false) const {
    double v;
    if (auto* i = n.as_integer())
      v = static_cast<double>(i->get());
    else if (auto* f = n.as_floating_point())
      v = f->get();
    else
      wrong_type(key, n, "a number");
    if (!std::isfinite(v))
      bad(key, n, "expected a finite number, got " + fmt_number(v));
    if (v < lo || (lo_open && v == lo) || v > hi) {
      std::string range = (lo_open ? "(" : "[") + fmt_number(lo) + ", "
                          + (std::isinf(hi) ? std::string("inf)")
                                            : fmt_number(hi) + "]");
      bad(key, n, "value " + fmt_number(v) + " is out of range " + range);
    }
    return v;
  }

  /// A duration string; `allow_zero` admits "0s".
  void get_duration(std::string_view key, duration& out,
                    bool allow_zero = false) const {
    auto* n = find(key);
    if (!n)
      return;
    auto* s = n->as_string();
    if (!s)
      wrong_type(key, *n, "a duration string like \"15m\"");
    auto d = parse_duration(s->get());
    if (!d)
      bad(key, *n, "invalid duration \"" + s->get()
                     + "\"; expected a number and a unit (us, ms, s, m, h, "
                       "d, w), e.g. \"500ms\", \"15m\", \"1h30m\"");
    if (!allow_zero && d->count() == 0)
      bad(key, *n, "duration must be greater than zero");
    out = *d;
  }

  /// Bytes: an integer or a string like "8MiB".
  void get_size(std::string_view key, uint64_t& out, uint64_t lo,
                uint64_t hi) const {
    auto* n = find(key);
    if (!n)
      return;
    uint64_t v = 0;
    if (auto* i = n->as_integer()) {
      if (i->get() < 0)
        bad(key, *n, "value " + std::to_string(i->get()) + " is negative");
      v = static_cast<uint64_t>(i->get());
    } else if (auto* s = n->as_string()) {
      auto parsed = parse_size(s->get());
      if (!parsed)
        bad(key, *n, "invalid size \"" + s->get()
                       + "\"; expected bytes or a number and a unit (B, KiB, "
                         "MiB, GiB, KB, MB, GB), e.g. \"8MiB\"");
      v = *parsed;
    } else {
      wrong_type(key, *n, "an integer or a size string like \"8MiB\"");
    }
    if (v < lo || v > hi)
      bad(key, *n, "value " + std::to_string(v) + " bytes is out of range "
                     + std::to_string(lo) + ".." + std::to_string(hi));
    out = v;
  }

  void get_address(std::string_view key, listen_address& out) const {
    auto* n = find(key);
    if (!n)
      return;
    auto s = as_string(key, *n);
    auto a = parse_listen_address(s);
    if (!a)
      bad(key, *n, "invalid listen address \"" + s
                     + "\"; expected host:port with port 0..65535");
    out = *a;
  }

  /// A sub-table; nullptr when absent. Inline tables are accepted too.
  const toml::table* get_table(std::string_view key) const {
    auto* n = find(key);
    if (!n)
      return nullptr;
    auto* t = n->as_table();
    if (!t)
      wrong_type(key, *n, "a table");
    return t;
  }

  /// An array of tables ([[key]] or key = [{...}]); nullptr when absent.
  const toml::array* get_table_array(std::string_view key) const {
    auto* n = find(key);
    if (!n)
      return nullptr;
    auto* a = n->as_array();
    if (!a)
      wrong_type(key, *n, "an array of tables");
    for (size_t i = 0; i < a->size(); ++i)
      if (!(*a)[i].is_table())
        fail(source_, (*a)[i].source(),
             key_path(key) + "[" + std::to_string(i) + "]",
             std::string("expected a table, got ") + type_name((*a)[i].type()));
    return a;
  }

  static std::optional<uint64_t> parse_size(std::string_view s) {
    size_t i = 0;
    uint64_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > (UINT64_MAX - 9) / 10)
        return std::nullopt;
      v = v * 10 + static_cast<uint64_t>(s[i++] - '0');
    }
    if (i == 0)
      return std::nullopt;
    while (i < s.size() && s[i] == ' ')
      ++i;
    auto unit = s.substr(i);
    uint64_t mul;
    if (unit.empty() || unit == "B") mul = 1;
    else if (unit == "KiB") mul = 1ull << 10;
    else if (unit == "MiB") mul = 1ull << 20;
    else if (unit == "GiB") mul = 1ull << 30;
    else if (unit == "KB") mul = 1000;
    else if (unit == "MB") mul = 1000 * 1000;
    else if (unit == "GB") mul = 1000ull * 1000 * 1000;
    else return std::nullopt;
    if (v > UINT64_MAX / mul)
      return std::nullopt;
    return v * mul;
  }

  const std::string& source() const { return source_; }
  const toml::table& table() const { return tbl_; }
  const std::string& path() const { return path_; }

private:
  const std::string& source_;
  const toml::table& tbl_;
  std::string path_;
};

void read_node(const reader& r, node_section& s) {
  r.allow_only({"id", "rpc_listen", "data_dir", "shards", "worker_threads",
                "metrics_listen"});
  r.get_id("id", s.id);
  r.get_address("rpc_listen", s.rpc_listen);
  r.get_string("data_dir", s.data_dir);
  if (auto* n = r.find("data_dir"); n && s.data_dir.empty())
    r.bad("data_dir", *n, "must not be empty");
  r.get_int("shards", s.shards, 1, 4096);
  r.get_int("worker_threads", s.worker_threads, 0, 1024);
  if (auto* n = r.find("metrics_listen")) {
    auto text = r.as_string("metrics_listen", *n);
    if (text.empty()) {
      s.metrics_listen.reset();
    } else {
      auto a = parse_listen_address(text);
      if (!a)
        r.bad("metrics_listen", *n,
              "invalid listen address \"" + text
                + "\"; expected host:port with port 0..65535, or \"\" for off");
      s.metrics_listen = *a;
    }
  }
}

void read_storage(const reader& r, storage_section& s) {
  r.allow_only({"sync", "retention_frequent", "retention_regular",
                "retention_occasional"});
  r.get_bool("sync", s.sync);
  r.get_duration("retention_frequent", s.retention_frequent);
  r.get_duration("retention_regular", s.retention_regular);
  r.get_duration("retention_occasional", s.retention_occasional);
}

void read_ingest(const reader& r, ingest_section& s) {
  r.allow_only({"max_batch_events", "max_event_age", "max_clock_skew",
                "max_inflight_events"});
  r.get_int("max_batch_events", s.max_batch_events, 1,
            static_cast<int64_t>(limits::max_batch_events));
  r.get_duration("max_event_age", s.max_event_age);
  r.get_duration("max_clock_skew", s.max_clock_skew, true);
  r.get_int("max_inflight_events", s.max_inflight_events, 1,
            int64_t{1} << 40);
  if (s.max_inflight_events < s.max_batch_events) {
    // Defaults satisfy the bound, so at least one of the two keys is set.
    std::string_view key = r.find("max_inflight_events") ? "max_inflight_events"
                                                         : "max_batch_events";
    r.bad(key, *r.find(key),
          "max_inflight_events (" + std::to_string(s.max_inflight_events)
            + ") must be at least max_batch_events ("
            + std::to_string(s.max_batch_events) + ")");
  }
}

void read_profiles(const reader& r, profiles_section& s) {
  r.allow_only({"idle_passivation", "checkpoint_interval", "checkpoint_bytes",
                "model_memory"});
  r.get_duration("idle_passivation", s.idle_passivation);
  r.get_duration("checkpoint_interval", s.checkpoint_interval);
  r.get_size("checkpoint_bytes", s.checkpoint_bytes, 4096, uint64_t{1} << 40);
  r.get_size("model_memory", s.model_memory, uint64_t{1} << 20, uint64_t{1} << 40);
}

void read_learned(const reader& r, learned_section& s) {
  r.allow_only({"enabled", "train_interval", "history", "time_budget",
                "min_new_events"});
  r.get_bool("enabled", s.enabled);
  r.get_duration("train_interval", s.train_interval);
  r.get_duration("history", s.history);
  r.get_duration("time_budget", s.time_budget);
  r.get_int("min_new_events", s.min_new_events, 0, int64_t{1} << 40);
  if (s.train_interval < std::chrono::minutes(1))
    r.bad("train_interval", *r.find("train_interval"), "must be at least 1m");
}

void read_policy(const reader& r, policy_section& s) {
  r.allow_only({"hold_time", "prewarm_threshold", "spot_ceiling", "reserve_lead",
                "reserve_margin", "reserve_pool_share"});
  r.get_duration("hold_time", s.hold_time);
  r.get_number("prewarm_threshold", s.prewarm_threshold, 0, 1, true);
  r.get_number("spot_ceiling", s.spot_ceiling, 0, HUGE_VAL);
  r.get_duration("reserve_lead", s.reserve_lead, true);
  r.get_number("reserve_margin", s.reserve_margin, 0, 1);
  r.get_number("reserve_pool_share", s.reserve_pool_share, 0, 1);
}

std::string indexed(std::string_view key, size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

/// `spot_prices = [[t_seconds, price], ...]`: whole seconds, strictly
/// increasing, prices finite and >= 0.
void read_spot_prices(const reader& r, std::vector<spot_point>& out) {
  auto* n = r.find("spot_prices");
  if (!n)
    return;
  auto* a = n->as_array();
  if (!a)
    r.wrong_type("spot_prices", *n, "an array of [t_seconds, price] pairs");
  for (size_t j = 0; j < a->size(); ++j) {
    auto key = indexed("spot_prices", j);
    auto* pair = (*a)[j].as_array();
    if (!pair || pair->size() != 2)
      r.bad(key, (*a)[j], "expected a [t_seconds, price] pair");
    auto* t = (*pair)[0].as_integer();
    if (!t)
      r.wrong_type(key + "[0]", (*pair)[0], "an integer number of seconds");
    spot_point p{t->get(), r.as_number(key + "[1]", (*pair)[1], 0, HUGE_VAL)};
    if (p.time_s < 0 || p.time_s > INT64_MAX / 1'000'000)
      r.bad(key + "[0]", (*pair)[0],
            "time " + std::to_string(p.time_s) + " is out of range 0.."
              + std::to_string(INT64_MAX / 1'000'000));
    if (!out.empty() && p.time_s <= out.back().time_s)
      r.bad(key + "[0]", (*pair)[0],
            "time " + std::to_string(p.time_s) + " is not after the previous point's "
              + std::to_string(out.back().time_s));
    out.push_back(p);
  }
}

/// Checks that `name` (read from key `key` of `r`) is unique so far.
template <class Vec, class Get>
void check_unique(const reader& r, std::string_view key, const Vec& items,
                  const std::string& name, Get get, const char* what,
                  std::string_view array) {
  for (size_t j = 0; j < items.size(); ++j)
    if (get(items[j]) == name)
      r.bad(key, r.require(key),
            std::string("duplicate ") + what + " '" + name + "' (first defined in "
              + indexed(array, j) + ")");
}

void read_regions(const reader& root, node_config& cfg) {
  auto* arr = root.get_table_array("regions");
  if (!arr || arr->empty())
    fail(root.source(), arr ? arr->source() : root.table().source(), "regions",
         "at least one [[regions]] entry is required");
  for (size_t i = 0; i < arr->size(); ++i) {
    reader r(root.source(), *(*arr)[i].as_table(), indexed("regions", i));
    r.allow_only({"name"});
    region_config reg;
    reg.name = r.as_id("name", r.require("name"));
    check_unique(r, "name", cfg.regions, reg.name,
                 [](auto& x) -> auto& { return x.name; }, "region", "regions");
    cfg.regions.push_back(std::move(reg));
  }
}

std::string known_regions(const node_config& cfg) {
  std::string out;
  for (auto& r : cfg.regions) {
    if (!out.empty())
      out += ", ";
    out += r.name;
  }
  return out;
}

/// A resource vector table: each component finite and >= 0, default 0.
resource_vector read_resources(const reader& r, std::string_view key) {
  resource_vector out;
  if (auto* t = r.get_table(key)) {
    reader c(r.source(), *t, r.key_path(key));
    c.allow_only({"cpu_millicores", "memory_mb", "disk_iops", "network_mbps",
                  "gpus"});
    constexpr double inf = HUGE_VAL;
    c.get_number("cpu_millicores", out.cpu_millicores, 0, inf);
    c.get_number("memory_mb", out.memory_mb, 0, inf);
    c.get_number("disk_iops", out.disk_iops, 0, inf);
    c.get_number("network_mbps", out.network_mbps, 0, inf);
    c.get_number("gpus", out.gpus, 0, inf);
  }
  return out;
}

/// An array of strings; `nonempty_items` refuses "".
std::vector<std::string> read_strings(const reader& r, std::string_view key,
                                      bool nonempty_items) {
  std::vector<std::string> out;
  auto* n = r.find(key);
  if (!n)
    return out;
  auto* a = n->as_array();
  if (!a)
    r.wrong_type(key, *n, "an array of strings");
  for (size_t j = 0; j < a->size(); ++j) {
    auto item = indexed(key, j);
    out.push_back(r.as_string(item, (*a)[j]));
    if (nonempty_items && out.back().empty())
      r.bad(item, (*a)[j], "must not be empty");
  }
  return out;
}

void get_delay(const reader& r, std::string_view key,
               providers::delay_distribution& out) {
  auto* n = r.find(key);
  if (!n)
    return;
  auto text = r.as_string(key, *n);
  if (!out.parse(text))
    r.bad(key, *n, "invalid delay \"" + text
                     + "\"; expected milliseconds as fixed:X, uniform:LO:HI "
                       "(0 <= LO <= HI) or lognormal:MEDIAN:P99 (0 < MEDIAN <= P99)");
}

/// provider, its simulated delays and [data_centers.process].
void read_provider(const reader& r, data_center_config& dc) {
  if (auto* n = r.find("provider")) {
    dc.provider = r.as_string("provider", *n);
    if (dc.provider != "simulated" && dc.provider != "process")
      r.bad("provider", *n, "unknown provider \"" + dc.provider
                              + "\"; expected \"simulated\" or \"process\"");
  }
  dc.cold_start = providers::delay_distribution::fixed(dc.cold_start_ms);
  dc.warm_start = providers::delay_distribution::fixed(dc.warm_start_ms);
  get_delay(r, "cold_start", dc.cold_start);
  get_delay(r, "warmup_step", dc.warmup_step);
  get_delay(r, "warm_start", dc.warm_start);
  r.get_number("failure_rate", dc.failure_rate, 0, 1);
  r.get_int("seed", dc.seed, 0, INT64_MAX);
  auto* t = r.get_table("process");
  if (!t)
    return;
  if (dc.provider != "process")
    r.bad("process", *r.find("process"),
          "[data_centers.process] needs provider = \"process\"");
  reader p(r.source(), *t, r.key_path("process"));
  p.allow_only({"grace", "poll_interval", "environment", "state_dir"});
  p.get_duration("grace", dc.process.grace, true);
  p.get_duration("poll_interval", dc.process.poll_interval);
  dc.process.environment = read_strings(p, "environment", true);
  for (size_t j = 0; j < dc.process.environment.size(); ++j) {
    auto& e = dc.process.environment[j];
    if (e.find('=') == std::string::npos || e.front() == '=')
      p.bad(indexed("environment", j), (*p.find("environment")->as_array())[j],
            "expected NAME=value, got \"" + e + "\"");
  }
  p.get_string("state_dir", dc.process.state_dir);
}

void read_apps(const reader& root, node_config& cfg) {
  auto* arr = root.get_table_array("apps");
  for (size_t i = 0; arr && i < arr->size(); ++i) {
    reader r(root.source(), *(*arr)[i].as_table(), indexed("apps", i));
    r.allow_only({"name", "command", "warmup_steps", "resources", "ready_probe",
                  "start_timeout", "step_timeout"});
    providers::app_template app;
    app.name = r.as_id("name", r.require("name"));
    check_unique(r, "name", cfg.apps, app.name,
                 [](auto& x) -> auto& { return x.name; }, "app", "apps");
    app.command = read_strings(r, "command", true);
    app.warmup_steps = read_strings(r, "warmup_steps", false);
    for (size_t j = 0; j < app.warmup_steps.size(); ++j)
      if (app.warmup_steps[j].find('\n') != std::string::npos)
        r.bad(indexed("warmup_steps", j), (*r.find("warmup_steps")->as_array())[j],
              "a warm-up step is one line: no newline");
    app.resources = read_resources(r, "resources");
    r.get_string("ready_probe", app.ready_probe);
    if (!app.ready_probe.empty() && app.ready_probe.rfind("tcp:", 0) != 0)
      r.bad("ready_probe", *r.find("ready_probe"),
            "expected \"tcp:HOST:PORT\" or \"\", got \"" + app.ready_probe + "\"");
    duration start = app.start_timeout, step = app.step_timeout;
    r.get_duration("start_timeout", start);
    r.get_duration("step_timeout", step);
    app.start_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(start);
    app.step_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(step);
    cfg.apps.push_back(std::move(app));
  }
  // A process data center can start only apps with a command line.
  for (size_t d = 0; d < cfg.data_centers.size(); ++d) {
    auto& dc = cfg.data_centers[d];
    if (dc.provider != "process")
      continue;
    auto* dcs = root.get_table_array("data_centers");
    auto& where = *(*dcs)[d].as_table();
    if (cfg.apps.empty())
      fail(root.source(), where.source(), indexed("data_centers", d) + ".provider",
           "a \"process\" data center needs [[apps]] with a command line each");
    for (size_t i = 0; i < cfg.apps.size(); ++i)
      if (cfg.apps[i].command.empty())
        fail(root.source(), (*arr)[i].source(), indexed("apps", i) + ".command",
             "app '" + cfg.apps[i].name + "' has no command line, which data center '"
               + dc.name + "' (provider = \"process\") needs");
  }
}

void read_data_centers(const reader& root, node_config& cfg) {
  auto* arr = root.get_table_array("data_centers");
  if (!arr || arr->empty())
    fail(root.source(), arr ? arr->source() : root.table().source(),
         "data_centers", "at least one [[data_centers]] entry is required");
  for (size_t i = 0; i < arr->size(); ++i) {
    reader r(root.source(), *(*arr)[i].as_table(), indexed("data_centers", i));
    r.allow_only({"name", "region", "capacity", "latency_ms", "price_on_demand",
                  "price_spot", "spot_prices", "cold_start_ms", "warm_start_ms", "provider",
                  "cold_start", "warmup_step", "warm_start", "failure_rate", "seed",
                  "process"});
    data_center_config dc;
    dc.name = r.as_id("name", r.require("name"));
    check_unique(r, "name", cfg.data_centers, dc.name,
                 [](auto& x) -> auto& { return x.name; }, "data center",
                 "data_centers");
    auto& region_node = r.require("region");
    dc.region = r.as_id("region", region_node);
    if (!cfg.find_region(dc.region))
      r.bad("region", region_node, "unknown region '" + dc.region
                                     + "'; known regions: " + known_regions(cfg));
    dc.capacity = read_resources(r, "capacity");
    if (auto* lat = r.get_table("latency_ms")) {
      reader l(root.source(), *lat, r.key_path("latency_ms"));
      for (auto&& [k, v] : *lat) {
        std::string region(k.str());
        if (!cfg.find_region(region))
          fail(root.source(), k.source().begin.line > 0 ? k.source() : v.source(),
               l.key_path(region), "unknown region '" + region
                                     + "'; known regions: " + known_regions(cfg));
        dc.latency_ms[region] = l.as_number(region, v, 0, 3'600'000);
      }
    }
    constexpr double inf = HUGE_VAL;
    r.get_number("price_on_demand", dc.price_on_demand, 0, inf);
    r.get_number("price_spot", dc.price_spot, 0, inf);
    read_spot_prices(r, dc.spot_prices);
    r.get_number("cold_start_ms", dc.cold_start_ms, 0, 3'600'000);
    r.get_number("warm_start_ms", dc.warm_start_ms, 0, 3'600'000);
    read_provider(r, dc);
    cfg.data_centers.push_back(std::move(dc));
  }
}

// -- [security] and token digests ---------------------------------------------

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64)
    return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

/// A list of SHA-256 digests in hex, lowercased. One digest means one
/// principal: a digest already given to a tenant or to the admins is refused.
std::vector<std::string> read_digests(const reader& r, std::string_view key,
                                      const node_config& cfg) {
  auto out = read_strings(r, key, false);
  for (size_t j = 0; j < out.size(); ++j) {
    auto item = indexed(key, j);
    auto& at = (*r.find(key)->as_array())[j];
    auto& d = out[j];
    if (!is_sha256_hex(d))
      r.bad(item, at, "expected a SHA-256 digest: 64 hex digits, as printed by "
                      "`printf %s \"$TOKEN\" | sha256sum`");
    for (auto& c : d)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (d == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
      r.bad(item, at, "this is the digest of the empty token");
    auto taken = [&](auto begin, auto end) { return std::find(begin, end, d) != end; };
    if (taken(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(j)))
      r.bad(item, at, "digest listed twice");
    auto& admins = cfg.security.admin_tokens_sha256;
    if (taken(admins.begin(), admins.end()))
      r.bad(item, at, "digest already belongs to an admin token");
    for (auto& t : cfg.tenants)
      if (taken(t.tokens_sha256.begin(), t.tokens_sha256.end()))
        r.bad(item, at, "digest already belongs to tenant '" + t.id + "'");
  }
  return out;
}

/// A PEM file path, resolved against the configuration file's directory;
/// the file must be readable now, so that a typo stops the node at start.
std::string read_pem_path(const reader& r, std::string_view key) {
  auto* n = r.find(key);
  if (!n)
    return {};
  auto text = r.as_string(key, *n);
  if (text.empty())
    r.bad(key, *n, "must not be empty (leave the key out instead)");
  namespace fs = std::filesystem;
  fs::path p(text);
  if (p.is_relative())
    p = fs::path(r.source()).parent_path() / p;
  std::error_code ec;
  if (fs::is_directory(p, ec))
    r.bad(key, *n, "cannot read '" + p.string() + "': is a directory");
  std::ifstream in(p, std::ios::binary);
  if (!in)
    r.bad(key, *n, "cannot read '" + p.string() + "': " + std::strerror(errno));
  return p.string();
}

void read_security(const reader& root, node_config& cfg) {
  auto& s = cfg.security;
  auto* t = root.get_table("security");
  if (t) {
    reader r(root.source(), *t, "security");
    r.allow_only({"mode", "certificate", "key", "ca", "key_passphrase_file",
                  "admin_tokens_sha256"});
    if (auto* n = r.find("mode")) {
      auto mode = r.as_string("mode", *n);
      if (mode != "development" && mode != "production")
        r.bad("mode", *n, "unknown mode \"" + mode
                            + "\"; expected \"development\" or \"production\"");
      s.production = mode == "production";
    }
    s.certificate = read_pem_path(r, "certificate");
    s.key = read_pem_path(r, "key");
    s.ca = read_pem_path(r, "ca");
    s.key_passphrase_file = read_pem_path(r, "key_passphrase_file");
    // CAF turns authentication on as soon as one of them is set, and then
    // needs all three; half a setup would fail every connection instead.
    bool any = !s.certificate.empty() || !s.key.empty() || !s.ca.empty();
    for (auto [key, value] : {std::pair{"certificate", &s.certificate},
                              std::pair{"key", &s.key}, std::pair{"ca", &s.ca}})
      if (any && value->empty())
        fail(root.source(), t->source(), r.key_path(key),
             "missing; certificate, key and ca go together");
    if (!s.key_passphrase_file.empty() && s.key.empty())
      r.bad("key_passphrase_file", *r.find("key_passphrase_file"),
            "a passphrase needs a key");
    s.admin_tokens_sha256 = read_digests(r, "admin_tokens_sha256", cfg);
  }
  if (!s.production)
    return;
  auto& where = t ? t->source() : root.table().source();
  for (auto [key, value] : {std::pair{"certificate", &s.certificate},
                            std::pair{"key", &s.key}, std::pair{"ca", &s.ca}})
    if (value->empty())
      fail(root.source(), where, std::string("security.") + key,
           "missing; production mode requires certificate, key and ca");
  if (s.admin_tokens_sha256.empty())
    fail(root.source(), where, "security.admin_tokens_sha256",
         "missing; production mode requires at least one admin token digest");
  auto* tenants = root.get_table_array("tenants");
  for (size_t i = 0; i < cfg.tenants.size(); ++i)
    if (cfg.tenants[i].tokens_sha256.empty())
      fail(root.source(), (*tenants)[i].source(), indexed("tenants", i) + ".tokens_sha256",
           "missing; production mode requires a token digest for tenant '"
             + cfg.tenants[i].id + "'");
}

void read_tenants(const reader& root, node_config& cfg) {
  auto* arr = root.get_table_array("tenants");
  if (!arr || arr->empty())
    fail(root.source(), arr ? arr->source() : root.table().source(), "tenants",
         "at least one [[tenants]] entry is required");
  for (size_t i = 0; i < arr->size(); ++i) {
    reader r(root.source(), *(*arr)[i].as_table(), indexed("tenants", i));
    r.allow_only({"id", "allowed_regions", "max_reserve_share", "priority",
                  "throttle_anomalous", "throttle_time", "throttle_requests_per_minute",
                  "tokens_sha256"});
    tenant_config t;
    t.id = r.as_id("id", r.require("id"));
    check_unique(r, "id", cfg.tenants, t.id,
                 [](auto& x) -> auto& { return x.id; }, "tenant", "tenants");
    if (auto* n = r.find("allowed_regions")) {
      auto* a = n->as_array();
      if (!a)
        r.wrong_type("allowed_regions", *n, "an array of region names");
      for (size_t j = 0; j < a->size(); ++j) {
        auto key = indexed("allowed_regions", j);
        auto name = r.as_string(key, (*a)[j]);
        if (!cfg.find_region(name))
          r.bad(key, (*a)[j], "unknown region '" + name
                                + "'; known regions: " + known_regions(cfg));
        for (auto& prev : t.allowed_regions)
          if (prev == name)
            r.bad(key, (*a)[j], "region '" + name + "' listed twice");
        t.allowed_regions.push_back(std::move(name));
      }
    }
    r.get_number("max_reserve_share", t.max_reserve_share, 0, 1);
    r.get_int("priority", t.priority, INT32_MIN, INT32_MAX);
    r.get_bool("throttle_anomalous", t.throttle_anomalous);
    r.get_duration("throttle_time", t.throttle_time);
    r.get_int("throttle_requests_per_minute", t.throttle_requests_per_minute, 0, 100'000);
    t.tokens_sha256 = read_digests(r, "tokens_sha256", cfg);
    cfg.tenants.push_back(std::move(t));
  }
}

void read_cluster(const reader& r, node_config& cfg) {
  r.allow_only({"listen", "seeds", "expected_nodes", "replicas", "heartbeat_interval",
                "connection_timeout", "request_timeout", "phi_threshold", "region"});
  cluster_section c;
  r.require("listen");
  r.get_address("listen", c.listen);
  if (c.listen.port == 0)
    r.bad("listen", *r.find("listen"),
          "needs a fixed port: peers dial it, and find it in the seeds");
  r.require("expected_nodes");
  r.get_int("expected_nodes", c.expected_nodes, 1, 1024);
  if (auto* n = r.find("seeds")) {
    auto* a = n->as_array();
    if (!a)
      r.wrong_type("seeds", *n, "an array of \"host:port\" strings");
    for (size_t j = 0; j < a->size(); ++j) {
      auto key = indexed("seeds", j);
      auto text = r.as_string(key, (*a)[j]);
      auto addr = parse_listen_address(text);
      if (!addr || addr->port == 0)
        r.bad(key, (*a)[j], "invalid seed address \"" + text
                              + "\"; expected host:port with port 1..65535");
      c.seeds.push_back(*addr);
    }
  }
  r.get_int("replicas", c.replicas, 1, 16);
  r.get_duration("heartbeat_interval", c.heartbeat_interval);
  r.get_duration("connection_timeout", c.connection_timeout);
  r.get_duration("request_timeout", c.request_timeout);
  r.get_number("phi_threshold", c.phi_threshold, 1, 100);
  if (c.heartbeat_interval < std::chrono::milliseconds(10)
      || c.heartbeat_interval > std::chrono::minutes(1))
    r.bad("heartbeat_interval", *r.find("heartbeat_interval"),
          "must be between 10ms and 1m");
  if (c.connection_timeout <= c.heartbeat_interval) {
    std::string_view key = r.find("connection_timeout") ? "connection_timeout"
                                                        : "heartbeat_interval";
    r.bad(key, *r.find(key),
          "connection_timeout (" + format_duration(c.connection_timeout)
            + ") must be longer than heartbeat_interval ("
            + format_duration(c.heartbeat_interval) + ")");
  }
  if (auto* n = r.find("region")) {
    c.region = r.as_id("region", *n);
    if (!cfg.find_region(c.region))
      r.bad("region", *n, "unknown region '" + c.region
                            + "'; known regions: " + known_regions(cfg));
  } else {
    c.region = cfg.regions.front().name;
  }
  cfg.cluster = std::move(c);
}

} // namespace

node_config parse_config(std::string_view toml_text,
                         std::string_view source_name) {
  std::string source(source_name.empty() ? "<config>" : source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    std::string desc(e.description());
    for (auto& c : desc)
      if (c == '\n' || c == '\r')
        c = ' ';
    throw config_error(position(source, e.source()) + ": syntax error: " + desc);
  }
  node_config cfg;
  cfg.source = source;
  reader r(source, root, "");
  r.allow_only({"node", "storage", "ingest", "profiles", "learned", "policy",
                "cluster", "regions", "data_centers", "tenants", "apps", "security"});
  if (auto* t = r.get_table("node"))
    read_node(reader(source, *t, "node"), cfg.node);
  if (auto* t = r.get_table("storage"))
    read_storage(reader(source, *t, "storage"), cfg.storage);
  if (auto* t = r.get_table("ingest"))
    read_ingest(reader(source, *t, "ingest"), cfg.ingest);
  if (auto* t = r.get_table("profiles"))
    read_profiles(reader(source, *t, "profiles"), cfg.profiles);
  if (auto* t = r.get_table("learned"))
    read_learned(reader(source, *t, "learned"), cfg.learned);
  if (auto* t = r.get_table("policy"))
    read_policy(reader(source, *t, "policy"), cfg.policy);
  read_regions(r, cfg);
  read_data_centers(r, cfg);
  read_tenants(r, cfg);
  read_apps(r, cfg);
  read_security(r, cfg);
  if (auto* t = r.get_table("cluster")) // after the regions it names
    read_cluster(reader(source, *t, "cluster"), cfg);
  return cfg;
}

node_config load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw config_error(path + ": cannot read: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad())
    throw config_error(path + ": cannot read: " + std::strerror(errno));
  return parse_config(buf.str(), path);
}

const region_config*
node_config::find_region(std::string_view name) const noexcept {
  for (auto& r : regions)
    if (r.name == name)
      return &r;
  return nullptr;
}

const data_center_config*
node_config::find_data_center(std::string_view name) const noexcept {
  for (auto& d : data_centers)
    if (d.name == name)
      return &d;
  return nullptr;
}

const tenant_config* node_config::find_tenant(std::string_view id) const noexcept {
  for (auto& t : tenants)
    if (t.id == id)
      return &t;
  return nullptr;
}

bool node_config::authentication_enforced() const noexcept {
  if (security.production || !security.admin_tokens_sha256.empty())
    return true;
  for (auto& t : tenants)
    if (!t.tokens_sha256.empty())
      return true;
  return false;
}

bool node_config::allows(const tenant_config& t,
                         std::string_view region) noexcept {
  if (t.allowed_regions.empty())
    return true;
  for (auto& r : t.allowed_regions)
    if (r == region)
      return true;
  return false;
}

} // namespace prescient::node
