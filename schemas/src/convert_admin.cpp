#include "prescient/wire/convert.hpp"

namespace prescient::wire {

node_status from_capnp(schema::NodeStatus::Reader r) {
  node_status s;
  s.node_id = text(r.getNodeId());
  s.version = text(r.getVersion());
  s.uptime_s = r.getUptimeS();
  s.shards = r.getShards();
  s.resident_profiles = r.getResidentProfiles();
  s.known_users = r.getKnownUsers();
  s.events_ingested = r.getEventsIngested();
  s.events_per_second = r.getEventsPerSecond();
  s.storage_bytes = r.getStorageBytes();
  s.rss_bytes = r.getRssBytes();
  s.event_time_us = r.getEventTimeUs();
  for (auto dc : r.getDataCenters()) {
    data_center_status d;
    d.name = text(dc.getName());
    d.region = text(dc.getRegion());
    d.cpu_capacity_millicores = dc.getCpuCapacityMillicores();
    d.cpu_used_millicores = dc.getCpuUsedMillicores();
    d.memory_capacity_mb = dc.getMemoryCapacityMb();
    d.memory_used_mb = dc.getMemoryUsedMb();
    d.instances_granted = dc.getInstancesGranted();
    d.served_by = text(dc.getServedBy());
    d.region_lost = dc.getRegionLost();
    s.data_centers.push_back(std::move(d));
  }
  auto c = r.getCluster();
  s.cluster.enabled = c.getEnabled();
  s.cluster.self = text(c.getSelf());
  s.cluster.quorum = c.getQuorum();
  s.cluster.expected_nodes = c.getExpectedNodes();
  s.cluster.replicas = c.getReplicas();
  s.cluster.copies_in_flight = c.getCopiesInFlight();
  s.cluster.events_copied = c.getEventsCopied();
  for (auto m : c.getMembers()) {
    cluster_member_status o;
    o.id = text(m.getId());
    o.address = text(m.getAddress());
    o.region = text(m.getRegion());
    o.state = text(m.getState());
    o.reachable = m.getReachable();
    o.phi = m.getPhi();
    o.shards_primary = m.getShardsPrimary();
    o.shards_owned = m.getShardsOwned();
    s.cluster.members.push_back(std::move(o));
  }
  return s;
}

void to_capnp(const node_status& s, schema::NodeStatus::Builder b) {
  b.setNodeId(s.node_id);
  b.setVersion(s.version);
  b.setUptimeS(s.uptime_s);
  b.setShards(s.shards);
  b.setResidentProfiles(s.resident_profiles);
  b.setKnownUsers(s.known_users);
  b.setEventsIngested(s.events_ingested);
  b.setEventsPerSecond(s.events_per_second);
  b.setStorageBytes(s.storage_bytes);
  b.setRssBytes(s.rss_bytes);
  b.setEventTimeUs(s.event_time_us);
  auto dcs = b.initDataCenters(static_cast<unsigned>(s.data_centers.size()));
  for (unsigned i = 0; i < s.data_centers.size(); ++i) {
    const auto& d = s.data_centers[i];
    auto o = dcs[i];
    o.setName(d.name);
    o.setRegion(d.region);
    o.setCpuCapacityMillicores(d.cpu_capacity_millicores);
    o.setCpuUsedMillicores(d.cpu_used_millicores);
    o.setMemoryCapacityMb(d.memory_capacity_mb);
    o.setMemoryUsedMb(d.memory_used_mb);
    o.setInstancesGranted(d.instances_granted);
    o.setServedBy(d.served_by);
    o.setRegionLost(d.region_lost);
  }
  auto c = b.initCluster();
  c.setEnabled(s.cluster.enabled);
  c.setSelf(s.cluster.self);
  c.setQuorum(s.cluster.quorum);
  c.setExpectedNodes(s.cluster.expected_nodes);
  c.setReplicas(s.cluster.replicas);
  c.setCopiesInFlight(s.cluster.copies_in_flight);
  c.setEventsCopied(s.cluster.events_copied);
  auto ms = c.initMembers(static_cast<unsigned>(s.cluster.members.size()));
  for (unsigned i = 0; i < s.cluster.members.size(); ++i) {
    const auto& m = s.cluster.members[i];
    auto o = ms[i];
    o.setId(m.id);
    o.setAddress(m.address);
    o.setRegion(m.region);
    o.setState(m.state);
    o.setReachable(m.reachable);
    o.setPhi(m.phi);
    o.setShardsPrimary(m.shards_primary);
    o.setShardsOwned(m.shards_owned);
  }
}

user_summary from_capnp(schema::UserSummary::Reader r) {
  user_summary s;
  s.tenant = text(r.getTenant());
  s.user = text(r.getUser());
  s.found = r.getFound();
  s.events = r.getEvents();
  s.first_event_us = r.getFirstEventUs();
  s.last_event_us = r.getLastEventUs();
  for (auto d : r.getDevices())
    s.devices.push_back(text(d));
  for (auto a : r.getTopApps())
    s.top_apps.push_back({text(a.getApp()), a.getEvents(), a.getLaunches()});
  s.activity_class = text(r.getActivityClass());
  s.resident = r.getResident();
  s.stored_events = r.getStoredEvents();
  for (auto pr : r.getPredictions()) {
    app_prediction p;
    p.app = text(pr.getApp());
    p.probability = pr.getProbability();
    p.device = text(pr.getDevice());
    p.window_from_us = pr.getWindowFromUs();
    p.window_to_us = pr.getWindowToUs();
    for (auto q : pr.getUsage())
      p.usage.push_back({text(q.getMetric()), q.getP50(), q.getP90(),
                         q.getP99(), q.getSamples()});
    s.predictions.push_back(std::move(p));
  }
  s.next_launch_from_us = r.getNextLaunchFromUs();
  s.next_launch_to_us = r.getNextLaunchToUs();
  s.latency_class = text(r.getLatencyClass());
  return s;
}

void to_capnp(const user_summary& s, schema::UserSummary::Builder b) {
  b.setTenant(s.tenant);
  b.setUser(s.user);
  b.setFound(s.found);
  b.setEvents(s.events);
  b.setFirstEventUs(s.first_event_us);
  b.setLastEventUs(s.last_event_us);
  auto devs = b.initDevices(static_cast<unsigned>(s.devices.size()));
  for (unsigned i = 0; i < s.devices.size(); ++i)
    devs.set(i, s.devices[i]);
  auto apps = b.initTopApps(static_cast<unsigned>(s.top_apps.size()));
  for (unsigned i = 0; i < s.top_apps.size(); ++i) {
    apps[i].setApp(s.top_apps[i].app);
    apps[i].setEvents(s.top_apps[i].events);
    apps[i].setLaunches(s.top_apps[i].launches);
  }
  b.setActivityClass(s.activity_class);
  b.setResident(s.resident);
  b.setStoredEvents(s.stored_events);
  auto preds = b.initPredictions(static_cast<unsigned>(s.predictions.size()));
  for (unsigned i = 0; i < s.predictions.size(); ++i) {
    auto& p = s.predictions[i];
    auto pb = preds[i];
    pb.setApp(p.app);
    pb.setProbability(p.probability);
    pb.setDevice(p.device);
    pb.setWindowFromUs(p.window_from_us);
    pb.setWindowToUs(p.window_to_us);
    auto usage = pb.initUsage(static_cast<unsigned>(p.usage.size()));
    for (unsigned k = 0; k < p.usage.size(); ++k) {
      usage[k].setMetric(p.usage[k].metric);
      usage[k].setP50(p.usage[k].p50);
      usage[k].setP90(p.usage[k].p90);
      usage[k].setP99(p.usage[k].p99);
      usage[k].setSamples(p.usage[k].samples);
    }
  }
  b.setNextLaunchFromUs(s.next_launch_from_us);
  b.setNextLaunchToUs(s.next_launch_to_us);
  b.setLatencyClass(s.latency_class);
}

kpis from_capnp(schema::Kpis::Reader r) {
  kpis k;
  k.events_ingested = r.getEventsIngested();
  k.events_rejected = r.getEventsRejected();
  k.requests = r.getRequests();
  k.grants_prewarmed = r.getGrantsPrewarmed();
  k.grants_shadow = r.getGrantsShadow();
  k.grants_reactive = r.getGrantsReactive();
  k.hit_rate = r.getHitRate();
  k.cold_starts = r.getColdStarts();
  k.releases = r.getReleases();
  k.decision_latency_p50_us = r.getDecisionLatencyP50Us();
  k.decision_latency_p99_us = r.getDecisionLatencyP99Us();
  k.holds_placed = r.getHoldsPlaced();
  k.holds_claimed = r.getHoldsClaimed();
  k.holds_expired = r.getHoldsExpired();
  k.prealloc_success_rate = r.getPreallocSuccessRate();
  k.idle_warm_core_s = r.getIdleWarmCoreS();
  k.idle_warm_gb_s = r.getIdleWarmGbS();
  k.utilization = r.getUtilization();
  k.predictions_scored = r.getPredictionsScored();
  k.prediction_error = r.getPredictionError();
  k.prediction_logloss = r.getPredictionLogloss();
  k.prediction_ece = r.getPredictionEce();
  k.timing_coverage80 = r.getTimingCoverage80();
  k.demand_forecast_mae = r.getDemandForecastMae();
  k.demand_forecast_coverage95 = r.getDemandForecastCoverage95();
  k.anomalies_flagged = r.getAnomaliesFlagged();
  k.throttled = r.getThrottled();
  k.reserve_hits = r.getReserveHits();
  k.reserve_misses = r.getReserveMisses();
  k.reserve_idle_core_s = r.getReserveIdleCoreS();
  k.idle_warm_cost = r.getIdleWarmCost();
  k.claims_forwarded = r.getClaimsForwarded();
  k.claims_fallback = r.getClaimsFallback();
  k.claims_remote_dc = r.getClaimsRemoteDc();
  return k;
}

void to_capnp(const kpis& k, schema::Kpis::Builder b) {
  b.setEventsIngested(k.events_ingested);
  b.setEventsRejected(k.events_rejected);
  b.setRequests(k.requests);
  b.setGrantsPrewarmed(k.grants_prewarmed);
  b.setGrantsShadow(k.grants_shadow);
  b.setGrantsReactive(k.grants_reactive);
  b.setHitRate(k.hit_rate);
  b.setColdStarts(k.cold_starts);
  b.setReleases(k.releases);
  b.setDecisionLatencyP50Us(k.decision_latency_p50_us);
  b.setDecisionLatencyP99Us(k.decision_latency_p99_us);
  b.setHoldsPlaced(k.holds_placed);
  b.setHoldsClaimed(k.holds_claimed);
  b.setHoldsExpired(k.holds_expired);
  b.setPreallocSuccessRate(k.prealloc_success_rate);
  b.setIdleWarmCoreS(k.idle_warm_core_s);
  b.setIdleWarmGbS(k.idle_warm_gb_s);
  b.setUtilization(k.utilization);
  b.setPredictionsScored(k.predictions_scored);
  b.setPredictionError(k.prediction_error);
  b.setPredictionLogloss(k.prediction_logloss);
  b.setPredictionEce(k.prediction_ece);
  b.setTimingCoverage80(k.timing_coverage80);
  b.setDemandForecastMae(k.demand_forecast_mae);
  b.setDemandForecastCoverage95(k.demand_forecast_coverage95);
  b.setAnomaliesFlagged(k.anomalies_flagged);
  b.setThrottled(k.throttled);
  b.setReserveHits(k.reserve_hits);
  b.setReserveMisses(k.reserve_misses);
  b.setReserveIdleCoreS(k.reserve_idle_core_s);
  b.setIdleWarmCost(k.idle_warm_cost);
  b.setClaimsForwarded(k.claims_forwarded);
  b.setClaimsFallback(k.claims_fallback);
  b.setClaimsRemoteDc(k.claims_remote_dc);
}

namespace {

std::vector<double> values(capnp::List<double>::Reader r) {
  std::vector<double> out;
  out.reserve(r.size());
  for (auto v : r)
    out.push_back(v);
  return out;
}

void set_values(const std::vector<double>& v,
                capnp::List<double>::Builder b) {
  for (unsigned i = 0; i < v.size(); ++i)
    b.set(i, v[i]);
}

} // namespace

data_center_forecast from_capnp(schema::DataCenterForecast::Reader r) {
  data_center_forecast f;
  f.data_center = text(r.getDataCenter());
  f.step_s = r.getStepS();
  f.start_us = r.getStartUs();
  f.observations = r.getObservations();
  for (auto s : r.getSeries())
    f.series.push_back({text(s.getApp()), values(s.getPoint()),
                        values(s.getLower95()), values(s.getUpper95())});
  return f;
}

void to_capnp(const data_center_forecast& f,
              schema::DataCenterForecast::Builder b) {
  b.setDataCenter(f.data_center);
  b.setStepS(f.step_s);
  b.setStartUs(f.start_us);
  b.setObservations(f.observations);
  auto list = b.initSeries(static_cast<unsigned>(f.series.size()));
  for (unsigned i = 0; i < f.series.size(); ++i) {
    const auto& s = f.series[i];
    list[i].setApp(s.app);
    set_values(s.point, list[i].initPoint(static_cast<unsigned>(s.point.size())));
    set_values(s.lower95, list[i].initLower95(static_cast<unsigned>(s.lower95.size())));
    set_values(s.upper95, list[i].initUpper95(static_cast<unsigned>(s.upper95.size())));
  }
}

anomaly from_capnp(schema::Anomaly::Reader r) {
  anomaly a;
  a.tenant = text(r.getTenant());
  a.user = text(r.getUser());
  a.data_center = text(r.getDataCenter());
  a.kind = text(r.getKind());
  a.time_us = r.getTimeUs();
  a.reason = text(r.getReason());
  return a;
}

void to_capnp(const anomaly& a, schema::Anomaly::Builder b) {
  b.setTenant(a.tenant);
  b.setUser(a.user);
  b.setDataCenter(a.data_center);
  b.setKind(a.kind);
  b.setTimeUs(a.time_us);
  b.setReason(a.reason);
}

} // namespace prescient::wire
