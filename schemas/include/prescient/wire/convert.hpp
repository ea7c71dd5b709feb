// Conversion between Cap'n Proto readers/builders and the value types. The
// gateway and the client are the only callers: one edge, one translation.
#pragma once

#include "prescient/schema/admin.capnp.h"
#include "prescient/schema/event.capnp.h"
#include "prescient/schema/request.capnp.h"
#include "prescient/wire/admin.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::wire {

/// A Cap'n Proto text field as a std::string (copied, length-exact).
std::string text(capnp::Text::Reader t);

/// Copies a wire event. Text is copied verbatim (validation is separate);
/// a location is kept only when the consent flag is set.
usage_event from_capnp(schema::UsageEvent::Reader r);
void to_capnp(const usage_event& e, schema::UsageEvent::Builder b);

resource_vector from_capnp(schema::ResourceVector::Reader r);
void to_capnp(const resource_vector& v, schema::ResourceVector::Builder b);

resource_request from_capnp(schema::ResourceRequest::Reader r);
void to_capnp(const resource_request& q, schema::ResourceRequest::Builder b);

grant from_capnp(schema::Grant::Reader r);
void to_capnp(const grant& g, schema::Grant::Builder b);

node_status from_capnp(schema::NodeStatus::Reader r);
void to_capnp(const node_status& s, schema::NodeStatus::Builder b);
user_summary from_capnp(schema::UserSummary::Reader r);
void to_capnp(const user_summary& s, schema::UserSummary::Builder b);
kpis from_capnp(schema::Kpis::Reader r);
void to_capnp(const kpis& k, schema::Kpis::Builder b);
data_center_forecast from_capnp(schema::DataCenterForecast::Reader r);
void to_capnp(const data_center_forecast& f, schema::DataCenterForecast::Builder b);
anomaly from_capnp(schema::Anomaly::Reader r);
void to_capnp(const anomaly& a, schema::Anomaly::Builder b);

} // namespace prescient::wire
