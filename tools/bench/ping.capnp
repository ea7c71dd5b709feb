@0xd4b1c2a7e8f90351;
# The smallest RPC there is, for prescient-bench request's baseline: one
# call with no arguments and no results, so a round trip costs only Cap'n
# Proto's framing, the loopback socket and two event-loop wake-ups.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("prescient::bench::schema");

interface Ping {
  ping @0 () -> ();
}
