#include "prescient/wire/convert.hpp"

namespace prescient::wire {

std::string text(capnp::Text::Reader t) {
  return std::string(t.cStr(), t.size());
}

resource_vector from_capnp(schema::ResourceVector::Reader r) {
  resource_vector v;
  v.cpu_millicores = r.getCpuMillicores();
  v.memory_mb = r.getMemoryMb();
  v.disk_iops = r.getDiskIops();
  v.network_mbps = r.getNetworkMbps();
  v.gpus = r.getGpus();
  return v;
}

void to_capnp(const resource_vector& v, schema::ResourceVector::Builder b) {
  b.setCpuMillicores(v.cpu_millicores);
  b.setMemoryMb(v.memory_mb);
  b.setDiskIops(v.disk_iops);
  b.setNetworkMbps(v.network_mbps);
  b.setGpus(v.gpus);
}

usage_event from_capnp(schema::UsageEvent::Reader r) {
  usage_event e;
  e.tenant = text(r.getTenant());
  e.user = text(r.getUser());
  e.device = text(r.getDevice());
  e.app = text(r.getApp());
  // An enumerant this build does not know arrives as its raw number; keep it
  // so that validation can name it instead of silently mapping it.
  e.kind = static_cast<event_kind>(static_cast<uint16_t>(r.getKind()) > 255
                                       ? 255
                                       : static_cast<uint16_t>(r.getKind()));
  e.time_us = r.getTimeUs();
  e.session = r.getSession();
  e.usage = from_capnp(r.getUsage());
  e.duration_ms = r.getDurationMs();
  e.location_consent = r.getLocationConsent();
  if (r.getHasLocation() && e.location_consent) {
    auto l = r.getLocation();
    e.location = geo_location{l.getLatitude(), l.getLongitude()};
  }
  e.role = text(r.getRole());
  return e;
}

void to_capnp(const usage_event& e, schema::UsageEvent::Builder b) {
  b.setTenant(e.tenant);
  b.setUser(e.user);
  b.setDevice(e.device);
  b.setApp(e.app);
  b.setKind(static_cast<schema::EventKind>(e.kind));
  b.setTimeUs(e.time_us);
  b.setSession(e.session);
  to_capnp(e.usage, b.initUsage());
  b.setDurationMs(e.duration_ms);
  b.setLocationConsent(e.location_consent);
  if (e.location) {
    b.setHasLocation(true);
    auto l = b.initLocation();
    l.setLatitude(e.location->latitude);
    l.setLongitude(e.location->longitude);
  }
  if (!e.role.empty())
    b.setRole(e.role);
}

resource_request from_capnp(schema::ResourceRequest::Reader r) {
  resource_request q;
  q.tenant = text(r.getTenant());
  q.user = text(r.getUser());
  q.device = text(r.getDevice());
  q.app = text(r.getApp());
  q.region = text(r.getRegion());
  q.time_us = r.getTimeUs();
  q.resources = from_capnp(r.getResources());
  return q;
}

void to_capnp(const resource_request& q, schema::ResourceRequest::Builder b) {
  b.setTenant(q.tenant);
  b.setUser(q.user);
  b.setDevice(q.device);
  b.setApp(q.app);
  b.setRegion(q.region);
  b.setTimeUs(q.time_us);
  to_capnp(q.resources, b.initResources());
}

grant from_capnp(schema::Grant::Reader r) {
  grant g;
  g.data_center = text(r.getDataCenter());
  g.instance = text(r.getInstance());
  g.path = static_cast<grant_path>(r.getPath());
  g.decision_latency_us = r.getDecisionLatencyUs();
  g.endpoint = text(r.getEndpoint());
  g.wait_us = r.getWaitUs();
  return g;
}

void to_capnp(const grant& g, schema::Grant::Builder b) {
  b.setDataCenter(g.data_center);
  b.setInstance(g.instance);
  b.setPath(static_cast<schema::GrantPath>(g.path));
  b.setDecisionLatencyUs(g.decision_latency_us);
  b.setEndpoint(g.endpoint);
  b.setWaitUs(g.wait_us);
}

} // namespace prescient::wire
