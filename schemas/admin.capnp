@0xe001a205e441fd23;
# What the admin actor answers: node status, a user's profile, KPIs.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("prescient::schema");

struct DataCenterStatus {
  name @0 :Text;
  region @1 :Text;
  cpuCapacityMillicores @2 :Float64;
  cpuUsedMillicores @3 :Float64;
  memoryCapacityMb @4 :Float64;
  memoryUsedMb @5 :Float64;
  instancesGranted @6 :UInt64;  # live grants not yet released
  servedBy @7 :Text;            # cluster: node whose broker serves it; "" = each node's own
  regionLost @8 :Bool;          # cluster: no node of its region reachable; requests skip it
}

struct NodeStatus {
  nodeId @0 :Text;
  version @1 :Text;
  uptimeS @2 :Float64;
  shards @3 :UInt32;
  residentProfiles @4 :UInt64;     # user profiles currently in memory
  knownUsers @5 :UInt64;           # users with any stored history
  eventsIngested @6 :UInt64;       # since the node started
  eventsPerSecond @7 :Float64;     # over the last few seconds
  storageBytes @8 :UInt64;         # live SST bytes on disk
  rssBytes @9 :UInt64;             # resident memory of the node process
  dataCenters @10 :List(DataCenterStatus);
  eventTimeUs @11 :Int64;          # the node's event-time watermark
  cluster @12 :ClusterStatus;      # the node's view of its cluster
}

struct ClusterMember {
  id @0 :Text;
  address @1 :Text;                # its cluster endpoint, host:port
  region @2 :Text;
  state @3 :Text;                  # joining | up | leaving | down
  reachable @4 :Bool;              # connected and not suspected
  phi @5 :Float64;                 # suspicion of failure (phi accrual)
  shardsPrimary @6 :UInt32;
  shardsOwned @7 :UInt32;          # as primary or replica
}

struct ClusterStatus {
  enabled @0 :Bool;                # false: a standalone node
  self @1 :Text;
  quorum @2 :Bool;                 # reaches a majority: accepts writes
  expectedNodes @3 :UInt32;
  replicas @4 :UInt32;
  members @5 :List(ClusterMember);
  copiesInFlight @6 :UInt32;       # shard copies this node is sending to new owners
  eventsCopied @7 :UInt64;         # events this node sent in shard copies
}

struct AppCount {
  app @0 :Text;
  events @1 :UInt64;
  launches @2 :UInt64;
}

struct UsageQuantiles {
  metric @0 :Text;                 # cpu_millicores | memory_mb | disk_iops | network_mbps | gpus | duration_ms
  p50 @1 :Float64;
  p90 @2 :Float64;
  p99 @3 :Float64;
  samples @4 :UInt64;              # runs measured
}

struct AppPrediction {
  app @0 :Text;
  probability @1 :Float64;         # calibrated
  device @2 :Text;                 # where the user last ran it
  windowFromUs @3 :Int64;          # 80% window of its next launch (event time)
  windowToUs @4 :Int64;
  usage @5 :List(UsageQuantiles);
}

struct UserSummary {
  tenant @0 :Text;
  user @1 :Text;
  found @2 :Bool;                  # false: no history for this user
  events @3 :UInt64;
  firstEventUs @4 :Int64;
  lastEventUs @5 :Int64;
  devices @6 :List(Text);
  topApps @7 :List(AppCount);      # most used first
  activityClass @8 :Text;          # frequent | regular | occasional
  resident @9 :Bool;               # profile currently in memory
  storedEvents @10 :UInt64;        # events readable from the time series
  predictions @11 :List(AppPrediction);  # most likely next apps first
  nextLaunchFromUs @12 :Int64;     # 80% window of the next launch of any app
  nextLaunchToUs @13 :Int64;
  latencyClass @14 :Text;          # sensitive | normal | tolerant
}

struct Kpis {
  eventsIngested @0 :UInt64;
  eventsRejected @1 :UInt64;
  requests @2 :UInt64;
  grantsPrewarmed @3 :UInt64;
  grantsShadow @4 :UInt64;
  grantsReactive @5 :UInt64;
  hitRate @6 :Float64;             # (prewarmed + shadow) / requests
  coldStarts @7 :UInt64;
  releases @8 :UInt64;
  decisionLatencyP50Us @9 :Float64;
  decisionLatencyP99Us @10 :Float64;
  holdsPlaced @11 :UInt64;         # warm capacity held for predicted uses
  holdsClaimed @12 :UInt64;        # of which the use came (hits)
  holdsExpired @13 :UInt64;        # of which expired unclaimed
  preallocSuccessRate @14 :Float64; # claimed / (claimed + expired)
  idleWarmCoreS @15 :Float64;      # held warm before its claim or expiry: core-seconds
  idleWarmGbS @16 :Float64;        # held warm before its claim or expiry: GB-seconds
  utilization @17 :Float64;        # cpu in use / capacity over data centers
  # Prediction error since the node started: each next use against the
  # prediction made before it.
  predictionsScored @18 :UInt64;
  predictionError @19 :Float64;    # share of uses whose likeliest app was wrong
  predictionLogloss @20 :Float64;  # mean -ln p(the app used)
  predictionEce @21 :Float64;      # calibration error of the top-1 confidence
  timingCoverage80 @22 :Float64;   # share of launch gaps inside the 80% window
  demandForecastMae @23 :Float64;  # brokers' smoothed one-step error, requests per step
  demandForecastCoverage95 @24 :Float64; # smoothed share inside the 95% interval
  anomaliesFlagged @25 :UInt64;    # users' and data centers', since start
  throttled @26 :UInt64;           # requests and holds refused by throttling
  reserveHits @27 :UInt64;         # claims served from the warm reserve
  reserveMisses @28 :UInt64;       # claims with no hold and no reserve instance
  reserveIdleCoreS @29 :Float64;   # reserve instances waiting: core-seconds
  idleWarmCost @30 :Float64;       # idle warm core-hours x their price
  claimsForwarded @31 :UInt64;     # cluster: sent to the node of the user's shard to decide
  claimsFallback @32 :UInt64;      # of which decided here: that node did not answer
  claimsRemoteDc @33 :UInt64;      # cluster: sent to a data center homed on another node
}

struct DemandForecast {
  app @0 :Text;                    # app template; "*" = all requests of the data center
  point @1 :List(Float64);         # expected requests per step, horizons 1..H
  lower95 @2 :List(Float64);       # 95% prediction interval
  upper95 @3 :List(Float64);
}

struct DataCenterForecast {
  dataCenter @0 :Text;
  stepS @1 :UInt32;                # seconds per step
  startUs @2 :Int64;               # event time where step 1 begins
  observations @3 :UInt64;         # closed steps the forecaster learned from
  series @4 :List(DemandForecast); # the total first, then apps by volume
}

struct Anomaly {
  tenant @0 :Text;                 # "" for a data center's demand
  user @1 :Text;                   # "" for a data center's demand
  dataCenter @2 :Text;             # "" for a user's behaviour
  kind @3 :Text;                   # unusual_app | unusual_resources | request_burst | demand_outside_forecast
  timeUs @4 :Int64;                # event time of what was flagged
  reason @5 :Text;                 # one line, with the numbers
}
