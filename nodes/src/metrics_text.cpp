// Prometheus text exposition format 0.0.4 of a metrics snapshot. Names
// follow Prometheus' conventions: a `prescient_` prefix, base units in the
// name (seconds, bytes; capacities keep the units of the configuration),
// `_total` on counters, and the standard `process_resident_memory_bytes`.
#include <cmath>
#include <cstdio>

#include "metrics_snapshot.hpp"

namespace prescient::node {

namespace {

// Label values escape backslash, double quote and newline (format 0.0.4).
std::string escape_label(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

struct writer {
  std::string out;

  void family(const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  }

  void sample(const char* name, double v, const std::string& labels = "") {
    out += name;
    if (!labels.empty())
      out += '{' + labels + '}';
    out += ' ';
    out += number(v);
    out += '\n';
  }

  /// A family with one unlabelled sample.
  void single(const char* name, const char* type, const char* help, double v) {
    family(name, type, help);
    sample(name, v);
  }
};

std::string label(const char* key, const std::string& value) {
  return std::string(key) + "=\"" + escape_label(value) + '"';
}

void render_kpis(writer& w, const kpis& k) {
  w.single("prescient_events_ingested_total", "counter",
           "Events acknowledged by this node.", double(k.events_ingested));
  w.single("prescient_events_rejected_total", "counter",
           "Events refused at the edge (invalid, too old, too far ahead).",
           double(k.events_rejected));
  w.single("prescient_requests_total", "counter", "Resource requests decided.",
           double(k.requests));
  w.family("prescient_grants_total", "counter",
           "Grants by path: prewarmed, shadow (warm-up ran before) or reactive.");
  w.sample("prescient_grants_total", double(k.grants_prewarmed), label("path", "prewarmed"));
  w.sample("prescient_grants_total", double(k.grants_shadow), label("path", "shadow"));
  w.sample("prescient_grants_total", double(k.grants_reactive), label("path", "reactive"));
  w.single("prescient_hit_rate", "gauge",
           "Share of grants served by warm or pre-allocated capacity (0..1).",
           k.hit_rate);
  w.single("prescient_cold_starts_total", "counter", "Grants that started cold.",
           double(k.cold_starts));
  w.single("prescient_releases_total", "counter", "Grants given back.",
           double(k.releases));
  w.family("prescient_decision_latency_seconds", "gauge",
           "Request decision latency quantiles over the recent requests.");
  w.sample("prescient_decision_latency_seconds", k.decision_latency_p50_us * 1e-6,
           label("quantile", "0.5"));
  w.sample("prescient_decision_latency_seconds", k.decision_latency_p99_us * 1e-6,
           label("quantile", "0.99"));
  w.family("prescient_holds_total", "counter",
           "Warm capacity held for predicted uses, by outcome: placed, claimed, expired.");
  w.sample("prescient_holds_total", double(k.holds_placed), label("outcome", "placed"));
  w.sample("prescient_holds_total", double(k.holds_claimed), label("outcome", "claimed"));
  w.sample("prescient_holds_total", double(k.holds_expired), label("outcome", "expired"));
  w.single("prescient_prealloc_success_ratio", "gauge",
           "Share of ended holds that were claimed (0..1).", k.prealloc_success_rate);
  w.single("prescient_idle_warm_core_seconds_total", "counter",
           "CPU held warm before its claim or expiry, in core-seconds.", k.idle_warm_core_s);
  w.single("prescient_idle_warm_memory_gb_seconds_total", "counter",
           "Memory held warm before its claim or expiry, in GB-seconds.", k.idle_warm_gb_s);
  w.single("prescient_cpu_utilization_ratio", "gauge",
           "CPU in use over capacity, all data centers (0..1).", k.utilization);
  w.single("prescient_predictions_scored_total", "counter",
           "Next uses scored against the prediction made before them.",
           double(k.predictions_scored));
  w.single("prescient_prediction_error_ratio", "gauge",
           "Share of scored uses whose likeliest predicted app was wrong.",
           k.prediction_error);
  w.single("prescient_prediction_logloss", "gauge",
           "Mean negative log probability of the app used.", k.prediction_logloss);
  w.single("prescient_prediction_calibration_error", "gauge",
           "Expected calibration error of the top-1 confidence.", k.prediction_ece);
  w.single("prescient_timing_window_coverage_ratio", "gauge",
           "Share of launch gaps inside the predicted 80% window.", k.timing_coverage80);
  w.single("prescient_demand_forecast_abs_error", "gauge",
           "Brokers' smoothed one-step absolute error, requests per 5-minute step.",
           k.demand_forecast_mae);
  w.single("prescient_demand_forecast_interval_coverage_ratio", "gauge",
           "Brokers' smoothed share of steps inside the 95% interval.",
           k.demand_forecast_coverage95);
  w.single("prescient_anomalies_flagged_total", "counter",
           "Users and data centers flagged as departing from what was learned.",
           double(k.anomalies_flagged));
  w.single("prescient_throttled_total", "counter",
           "Requests and holds refused because their user is throttled.",
           double(k.throttled));
  w.family("prescient_reserve_claims_total", "counter",
           "Claims without a hold of their own, by outcome: hit (served from the "
           "warm reserve), miss (neither).");
  w.sample("prescient_reserve_claims_total", double(k.reserve_hits), label("outcome", "hit"));
  w.sample("prescient_reserve_claims_total", double(k.reserve_misses),
           label("outcome", "miss"));
  w.single("prescient_reserve_idle_core_seconds_total", "counter",
           "Warm reserve instances waiting for a claim, in core-seconds.",
           k.reserve_idle_core_s);
  w.family("prescient_cluster_claims_total", "counter",
           "Cluster: claims sent on, by route: forwarded (to the node of the user's "
           "shard), fallback (decided here after that node did not answer), remote_dc "
           "(to a data center served by another node).");
  w.sample("prescient_cluster_claims_total", double(k.claims_forwarded),
           label("route", "forwarded"));
  w.sample("prescient_cluster_claims_total", double(k.claims_fallback),
           label("route", "fallback"));
  w.sample("prescient_cluster_claims_total", double(k.claims_remote_dc),
           label("route", "remote_dc"));
  w.single("prescient_idle_warm_cost_total", "counter",
           "Idle warm capacity (expired holds, reserve waiting) in core-hours times "
           "its price per core-hour (spot or on-demand).",
           k.idle_warm_cost);
}

void render_data_centers(writer& w, const std::vector<data_center_status>& dcs) {
  struct gauge {
    const char* name;
    const char* help;
    double data_center_status::*field;
  };
  static const gauge gauges[] = {
    {"prescient_data_center_cpu_capacity_millicores", "CPU capacity of the data center.",
     &data_center_status::cpu_capacity_millicores},
    {"prescient_data_center_cpu_used_millicores", "CPU granted or held.",
     &data_center_status::cpu_used_millicores},
    {"prescient_data_center_memory_capacity_megabytes",
     "Memory capacity of the data center (MB).", &data_center_status::memory_capacity_mb},
    {"prescient_data_center_memory_used_megabytes", "Memory granted or held (MB).",
     &data_center_status::memory_used_mb},
  };
  for (auto& g : gauges) {
    w.family(g.name, "gauge", g.help);
    for (auto& dc : dcs)
      w.sample(g.name, dc.*g.field, label("data_center", dc.name));
  }
  w.family("prescient_data_center_live_grants", "gauge",
           "Instances granted and not yet released.");
  for (auto& dc : dcs)
    w.sample("prescient_data_center_live_grants", double(dc.instances_granted),
             label("data_center", dc.name));
}

void render_shards(writer& w, const shard_totals& s) {
  w.single("prescient_resident_profiles", "gauge", "User profiles in memory.",
           double(s.resident_profiles));
  w.single("prescient_resident_models", "gauge", "Prediction models in memory.",
           double(s.resident_models));
  w.single("prescient_model_bytes", "gauge",
           "Bytes of the resident models, as of each shard's last checkpoint.",
           double(s.model_bytes));
  w.single("prescient_inference_requests_total", "counter",
           "Requests sent to the learned model's inference service.",
           double(s.inference_requests));
  w.single("prescient_inference_replies_total", "counter",
           "Replies received from the inference service.", double(s.inference_replies));
  w.single("prescient_learned_uses_total", "counter",
           "Uses predicted with a fresh learned-model reply.", double(s.learned_uses));
}

} // namespace

std::string render_prometheus(const metrics_snapshot& s) {
  writer w;
  auto& st = s.status;
  w.family("prescient_node_info", "gauge", "Constant 1; the node's id and version.");
  w.sample("prescient_node_info", 1,
           label("node_id", st.node_id) + ',' + label("version", st.version));
  w.single("prescient_uptime_seconds", "gauge", "Seconds since the node started.",
           st.uptime_s);
  render_kpis(w, s.kpis);
  w.single("prescient_events_per_second", "gauge", "Recent ingest rate.",
           st.events_per_second);
  w.single("prescient_event_time_watermark_seconds", "gauge",
           "Event-time watermark (Unix seconds): the newest event time seen.",
           double(st.event_time_us) * 1e-6);
  w.single("prescient_known_users", "gauge", "Users with a stored profile (estimate).",
           double(st.known_users));
  w.single("prescient_storage_bytes", "gauge", "Live bytes in RocksDB.",
           double(st.storage_bytes));
  w.single("process_resident_memory_bytes", "gauge", "Resident set size of prescientd.",
           double(st.rss_bytes));
  render_shards(w, s.shards);
  render_data_centers(w, st.data_centers);
  return std::move(w.out);
}

} // namespace prescient::node
