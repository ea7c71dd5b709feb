@0xefc7f46989ee121d;
# Requests for capacity and the grants that answer them.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("prescient::schema");

using import "event.capnp".ResourceVector;

struct ResourceRequest {
  tenant @0 :Text;
  user @1 :Text;
  device @2 :Text;
  app @3 :Text;
  region @4 :Text;           # the user's region; empty = let Prescient choose
  timeUs @5 :Int64;          # event time of the request, µs since the epoch
  resources @6 :ResourceVector;
}

enum GrantPath {
  prewarmed @0;  # capacity reserved ahead of the request
  shadow @1;     # a warm instance that already ran its warm-up steps
  reactive @2;   # the provider's ordinary (cold) provisioning
}

struct Grant {
  dataCenter @0 :Text;
  instance @1 :Text;
  path @2 :GrantPath;
  decisionLatencyUs @3 :Int64;  # time the node took to decide
  endpoint @4 :Text;            # where to reach the instance, if the provider says
  waitUs @5 :Int64;             # what the request waited on the provider (hand-over or cold start)
}
