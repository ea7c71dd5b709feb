@0xae7ca915e9a51827;
# RPC interfaces. A node serves one bootstrap capability, Node, from which a
# client obtains the Gateway (events, requests) or the Admin interface.
# Errors are RPC exceptions whose description is a one-line reason.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("prescient::schema");

using Event = import "event.capnp";
using Request = import "request.capnp";
using Adm = import "admin.capnp";

interface Gateway {
  submitEvents @0 (events :List(Event.UsageEvent)) -> (accepted :UInt32);
  # Returns once every event is durable on the node. A batch is all or
  # nothing: one bad event rejects the batch, naming the event's index.

  request @1 (request :Request.ResourceRequest) -> (grant :Request.Grant);

  release @2 (tenant :Text, user :Text, dataCenter :Text, instance :Text) -> ();
  # Gives a granted instance back. Releasing twice is an error.
}

interface Admin {
  status @0 () -> (status :Adm.NodeStatus);
  user @1 (tenant :Text, user :Text) -> (summary :Adm.UserSummary);
  kpis @2 () -> (kpis :Adm.Kpis);
  forecast @3 (dataCenter :Text, horizonSteps :UInt32) -> (forecast :Adm.DataCenterForecast);
  # Demand forecast of one data center from the requests it served.
  anomalies @4 (limit :UInt32) -> (anomalies :List(Adm.Anomaly));
  # The latest anomalies of every shard and data center, newest first
  # (limit 1..1000).
}

interface Node {
  gateway @0 () -> (gateway :Gateway);
  admin @1 () -> (admin :Admin);
  # When the node enforces authentication (production mode, or any token
  # configured), both fail with "authentication required: log in with a
  # token"; use login instead.

  login @2 (token :Text) -> (gateway :Gateway, admin :Admin, tenant :Text, role :Text);
  # Capabilities bound to the token's principal. role "admin": unrestricted,
  # tenant "". role "tenant": the Gateway takes only the tenant's events,
  # requests and releases; the Admin answers `user` for the tenant's users
  # and `anomalies` of them, and refuses cluster operations (status, kpis,
  # forecast) with "admin role required". An unknown token fails with
  # "unknown token".
}
