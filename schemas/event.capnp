@0xd68953aeae817152;
# Usage events: what front ends report about their users.
# Evolution: fields are only ever added, with new ordinals; none is removed,
# renumbered or retyped, so clients built against an older schema keep working.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("prescient::schema");

enum EventKind {
  launch @0;     # an app was started
  close @1;      # an app was closed; usage summarises the session
  request @2;    # the user asked for capacity
  heartbeat @3;  # periodic usage sample while an app runs
}

struct ResourceVector {
  cpuMillicores @0 :Float64;  # 1000 = one core
  memoryMb @1 :Float64;
  diskIops @2 :Float64;
  networkMbps @3 :Float64;    # Mbit/s
  gpus @4 :Float64;
}

struct Location {
  latitude @0 :Float64;   # WGS84 degrees, -90..90
  longitude @1 :Float64;  # WGS84 degrees, -180..180
}

struct UsageEvent {
  tenant @0 :Text;
  user @1 :Text;
  device @2 :Text;
  app @3 :Text;
  kind @4 :EventKind;
  timeUs @5 :Int64;          # event time, microseconds since the Unix epoch
  session @6 :UInt64;        # front end's session id; 0 = unknown
  usage @7 :ResourceVector;  # measured usage
  durationMs @8 :Float64;    # how long the app ran (close) or was sampled
  location @9 :Location;     # optional; kept only when locationConsent is set
  hasLocation @10 :Bool;
  locationConsent @11 :Bool;
  role @12 :Text;            # the user's role in the tenant
}

struct EventBatch {
  events @0 :List(UsageEvent);
}
