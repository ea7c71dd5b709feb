#include "prescient/node/node.hpp"

#include <atomic>
#include <filesystem>
#include <cstdlib>
#include <malloc.h>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "bridge.hpp"
#include "data_center_provider.hpp"
#include "cluster_transport.hpp"
#include "gateway_server.hpp"
#include "metrics_server.hpp"
#include "prescient/actors/admin_actor.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/cluster_actor.hpp"
#include "prescient/actors/errc.hpp"
#include "prescient/actors/router_actor.hpp"
#include "prescient/actors/shard_actor.hpp"
#include "prescient/learned/inference_actor.hpp"
#include "prescient/learned/model_persistence.hpp"
#include "prescient/learned/next_app_model.hpp"
#include "prescient/learned/trainer_actor.hpp"
#include "prescient/storage/db.hpp"

namespace prescient::node {

namespace {

caf::actor_system_config make_actor_config(const node_config& cfg) {
  caf::actor_system_config out;
  auto threads = cfg.node.worker_threads != 0
                   ? cfg.node.worker_threads
                   : std::max(2u, std::thread::hardware_concurrency());
  out.set("scheduler.max-threads", static_cast<size_t>(threads));
  // Actors that hold the RocksDB handle do short synchronous writes; a small
  // throughput budget keeps one busy shard from starving the others.
  out.set("scheduler.max-throughput", static_cast<size_t>(64));
  // Idle workers: CAF's default middle phase sleeps in 50 µs steps that no
  // enqueue can cut short (and Linux timer slack makes each ~60 µs), which a
  // request crossing four mailboxes pays at every hop. Skip it: spin a
  // little, then wait on the condition variable that an enqueue signals.
  out.set("work-stealing.moderate-poll-attempts", static_cast<size_t>(0));
  out.set("logger.verbosity", caf::atom("quiet"));
  configure_cluster_transport(out, cfg);
  return out;
}

storage::db_options make_db_options(const node_config& cfg) {
  storage::db_options out;
  out.path = (std::filesystem::path(cfg.node.data_dir) / "db").string();
  out.sync = cfg.storage.sync;
  out.retention_us[static_cast<int>(storage::activity_class::frequent)] =
    cfg.storage.retention_frequent.count();
  out.retention_us[static_cast<int>(storage::activity_class::regular)] =
    cfg.storage.retention_regular.count();
  out.retention_us[static_cast<int>(storage::activity_class::occasional)] =
    cfg.storage.retention_occasional.count();
  return out;
}

constexpr std::chrono::milliseconds metrics_scrape_timeout{5'000};

} // namespace

struct node::impl {
  node_config cfg;
  std::unique_ptr<storage::db> db;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::vector<shard_actor> shards;
  std::vector<broker_actor> brokers;
  router_actor router;
  caf::actor cluster; ///< the membership actor (cluster mode)
  admin_actor admin;
  std::shared_ptr<learned::model_registry> learned_models;
  std::shared_ptr<std::atomic<bool>> stop_training = std::make_shared<std::atomic<bool>>(false);
  learned::trainer_actor trainer;
  learned::inference_actor inference;
  caf::actor bridge;
  std::unique_ptr<gateway_server> gateway;
  std::unique_ptr<metrics_server> metrics;
  std::chrono::milliseconds timeout{10'000};
  bool stopped = false;

  explicit impl(node_config c) : cfg(std::move(c)), sys_cfg(make_actor_config(cfg)) {
  }

  void start();
  void start_learned(shard_options& so);
  void start_cluster();
  void hand_off();
  void check_alive();
  void shutdown();
};

void node::impl::start() {
  // Before anything else: a production node without usable certificates
  // must not come up at all. (The cluster transport loads the OpenSSL
  // module with configure_transport_security.)
  if (auto why = transport_security_problem(cfg))
    throw node_error(*why);
  std::error_code ec;
  std::filesystem::create_directories(cfg.node.data_dir, ec);
  if (ec)
    throw node_error("cannot create data directory '" + cfg.node.data_dir
                     + "': " + ec.message());
  auto opened = storage::db::open(make_db_options(cfg));
  if (!opened)
    throw node_error("cannot open storage under '" + cfg.node.data_dir
                     + "': " + prescient::describe(opened.error()));
  db = std::move(*opened);
  sys = std::make_unique<caf::actor_system>(sys_cfg);
  shard_options so;
  if (cfg.learned.enabled)
    start_learned(so);
  so.idle_passivation_us = cfg.profiles.idle_passivation.count();
  so.checkpoint_interval = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.profiles.checkpoint_interval);
  so.checkpoint_bytes = cfg.profiles.checkpoint_bytes;
  so.model_memory_bytes = cfg.profiles.model_memory / cfg.node.shards;
  // Prediction error for the KPIs: every use scored against the prediction
  // before it, production model only and without the window widths, so a
  // shard's scores stay a few hundred bytes however long the node runs.
  so.score_predictions = true;
  so.score_components = false;
  so.score_widths = false;
  for (uint32_t i = 0; i < cfg.node.shards; ++i) {
    so.id = static_cast<uint16_t>(i);
    shards.push_back(spawn_shard(*sys, *db, so));
  }
  router_options ro;
  ro.shards = shards;
  for (auto& dc : cfg.data_centers) {
    data_center_spec spec{dc.name, dc.region, dc.capacity, dc.latency_ms,
                          dc.price_on_demand, dc.price_spot};
    spec.hold_time_us = cfg.policy.hold_time.count();
    spec.target_precision = cfg.policy.prewarm_threshold;
    for (auto& p : dc.spot_prices)
      spec.spot_prices.push_back({p.time_s * 1'000'000, p.price});
    spec.spot_ceiling = cfg.policy.spot_ceiling;
    spec.reserve.lead_us = cfg.policy.reserve_lead.count();
    spec.reserve.margin = cfg.policy.reserve_margin;
    spec.reserve.pool_share = cfg.policy.reserve_pool_share;
    auto b = spawn_broker(*sys, *db, spec, make_provider(cfg, dc));
    brokers.push_back(b);
    ro.data_centers.push_back({std::move(spec), b});
  }
  for (auto& t : cfg.tenants)
    ro.tenants.push_back({t.id, t.allowed_regions, t.max_reserve_share,
                          static_cast<int>(t.priority), t.throttle_anomalous,
                          t.throttle_time.count(),
                          static_cast<uint32_t>(t.throttle_requests_per_minute)});
  auto* dbp = db.get();
  ro.on_watermark = [dbp](int64_t us) { dbp->set_event_time(us); };
  router = spawn_router(*sys, std::move(ro));
  if (!cfg.data_centers.empty()) // confident predictions become holds
    for (auto& s : shards)
      caf::anon_send(s, connect_atom::value, caf::actor_cast<caf::actor>(router));
  if (cfg.cluster)
    start_cluster();
  admin_options ao;
  ao.node_id = cfg.node.id;
  ao.cluster = cluster;
  ao.shards = shards;
  for (size_t i = 0; i < brokers.size(); ++i)
    ao.data_centers.push_back({cfg.data_centers[i].name, brokers[i]});
  ao.router = router;
  ao.db = db.get();
  ao.timeout = timeout;
  admin = spawn_admin(*sys, std::move(ao));
  check_alive();
  bridge = spawn_bridge(*sys);
  gateway = std::make_unique<gateway_server>(
    gateway_context{&cfg, bridge, router, admin, timeout}, cfg.node.rpc_listen);
  if (cfg.node.metrics_listen) {
    // A scrape answers (or 503s) well within Prometheus' default 10 s.
    metrics = std::make_unique<metrics_server>(
      metrics_sources{bridge, admin, shards, std::min(timeout, metrics_scrape_timeout)},
      *cfg.node.metrics_listen);
  }
}

// The learned model's runtime: the models published before (a corrupt one
// is reported and skipped, never fatal), the trainer on its own thread, and
// the inference service the shards ask.
void node::impl::start_learned(shard_options& so) {
  learned::set_torch_threads(1); // small inferences must not wake a pool
  learned_models = std::make_shared<learned::model_registry>();
  auto reloaded = learned::reload_published(*db, *learned_models);
  for (auto& problem : reloaded.problems)
    fprintf(stderr, "prescientd: learned model: %s\n", problem.c_str());
  learned::trainer_options to;
  to.interval = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.learned.train_interval);
  to.history_us = cfg.learned.history.count();
  to.min_new_events = cfg.learned.min_new_events;
  to.model.time_budget_s = std::chrono::duration<double>(cfg.learned.time_budget).count();
  to.model.cancel = stop_training;
  trainer = learned::spawn_trainer(*sys, *db, learned_models, to);
  inference = learned::spawn_inference(*sys, learned_models);
  so.learned_models = learned_models;
  so.inference = inference;
}

// The membership actor, published on the cluster endpoint; it dials the
// seeds and hands the router its first view of the cluster.
void node::impl::start_cluster() {
  auto& c = *cfg.cluster;
  cluster_options co;
  co.self.id = cfg.node.id;
  co.self.address = c.listen.to_string();
  co.self.region = c.region;
  // A restarted node is a new incarnation: what was said of its previous
  // life (down) no longer applies. Wall-clock microseconds grow across
  // restarts.
  co.self.incarnation = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
  co.self.state = cluster::member_state::joining;
  co.expected_nodes = c.expected_nodes;
  co.replicas = c.replicas;
  for (auto& s : c.seeds)
    co.seeds.emplace_back(s.host, s.port);
  co.heartbeat_interval = std::chrono::duration_cast<std::chrono::milliseconds>(
    c.heartbeat_interval);
  co.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    c.request_timeout);
  co.phi_threshold = c.phi_threshold;
  co.connector = sys->openssl_manager().actor_handle();
  co.router = router;
  co.shards = shards;
  cluster = spawn_cluster(*sys, std::move(co));
  publish_cluster_endpoint(*sys, cluster, cfg);
}

// Graceful leave (SIGTERM in cluster mode; the gateway has stopped): the
// node declares itself leaving, every node's placement drops it, and its
// router sends each shard it held to the shard's new owner. Waits until
// those copies are sent (bounded: a stuck peer must not keep the node up).
void node::impl::hand_off() {
  constexpr auto limit = std::chrono::seconds(60);
  caf::scoped_actor self{*sys};
  bool leaving = false;
  self->request(cluster, timeout, leave_atom::value)
    .receive([&](bool) { leaving = true; }, [](caf::error&) {});
  if (!leaving)
    return;
  auto until = std::chrono::steady_clock::now() + limit;
  int quiet = 0; // polls in a row without copies in flight
  while (quiet < 3 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    uint32_t in_flight = 1;
    self->request(router, timeout, status_atom::value)
      .receive([&](const router_stats& r) { in_flight = r.copies_in_flight; },
               [](caf::error&) {});
    quiet = in_flight == 0 ? quiet + 1 : 0;
  }
  fprintf(stderr, "prescientd: left the cluster: %s\n",
          quiet >= 3 ? "shards handed off" : "gave up waiting for the shard copies");
}

// Shards and brokers recover from storage when they start; one that failed
// has quit, and the node must not serve with a hole in its ring.
void node::impl::check_alive() {
  caf::scoped_actor self{*sys};
  std::string failure;
  for (auto& s : shards)
    self->request(s, timeout, status_atom::value)
      .receive([](const shard_stats&) {},
               [&](caf::error& err) {
                 if (failure.empty())
                   failure = "a shard failed to recover: " + prescient::describe(err);
               });
  for (auto& b : brokers)
    self->request(b, timeout, status_atom::value)
      .receive([](const broker_stats&) {},
               [&](caf::error& err) {
                 if (failure.empty())
                   failure = "a broker failed to restore: " + prescient::describe(err);
               });
  if (!failure.empty())
    throw node_error(failure);
}

void node::impl::shutdown() {
  if (stopped)
    return;
  stopped = true;
  if (metrics)
    metrics->stop();
  if (gateway)
    gateway->stop();
  stop_training->store(true); // a run in progress stops at its next step
  if (sys) {
    if (cluster)
      hand_off();
    caf::scoped_actor self{*sys};
    if (cluster) // peers see the link close
      self->send_exit(cluster, caf::exit_reason::user_shutdown);
    for (auto& s : shards)
      self->request(s, timeout, checkpt_atom::value)
        .receive([](uint64_t) {},
                 [](caf::error& err) {
                   fprintf(stderr, "prescientd: final checkpoint failed: %s\n",
                           prescient::describe(err).c_str());
                 });
    for (auto& s : shards)
      self->send_exit(s, caf::exit_reason::user_shutdown);
    for (auto& b : brokers)
      self->send_exit(b, caf::exit_reason::user_shutdown);
    self->send_exit(router, caf::exit_reason::user_shutdown);
    self->send_exit(admin, caf::exit_reason::user_shutdown);
    self->send_exit(bridge, caf::exit_reason::user_shutdown);
    if (trainer)
      self->send_exit(trainer, caf::exit_reason::user_shutdown);
    if (inference)
      self->send_exit(inference, caf::exit_reason::user_shutdown);
  }
  shards.clear();
  brokers.clear();
  router = nullptr;
  cluster = nullptr;
  admin = nullptr;
  bridge = nullptr;
  trainer = nullptr;
  inference = nullptr;
  sys.reset(); // waits for every actor to finish
  db.reset();  // flushes and closes RocksDB
}

void use_single_malloc_arena() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) // an operator's choice wins
    mallopt(M_ARENA_MAX, 1);
}

node::node(node_config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {
  try {
    impl_->start();
  } catch (...) {
    impl_->shutdown();
    throw;
  }
}

node::~node() {
  stop();
}

uint16_t node::rpc_port() const noexcept {
  return impl_->gateway ? impl_->gateway->port() : 0;
}

uint16_t node::metrics_port() const noexcept {
  return impl_->metrics ? impl_->metrics->port() : 0;
}

void node::stop() {
  impl_->shutdown();
}

} // namespace prescient::node
