// Tests for prescient/client.hpp against an in-test node (test_node.hpp)
// over a real socket on 127.0.0.1.
#include "prescient/client.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "test_node.hpp"

using namespace prescient;
using namespace std::chrono_literals;
using prescient::test::node_record;
using prescient::test::test_node;
using steady = std::chrono::steady_clock;

namespace {

usage_event make_event(uint64_t session, std::string user = "alice") {
  usage_event e;
  e.tenant = "acme";
  e.user = std::move(user);
  e.device = "laptop";
  e.app = "notebook";
  e.kind = event_kind::heartbeat;
  e.time_us = 1'700'000'000'000'000 + static_cast<int64_t>(session);
  e.session = session;
  e.usage.cpu_millicores = 500;
  return e;
}

resource_request make_request(std::string app = "notebook") {
  return {"acme", "alice", "laptop", std::move(app), "", 1'700'000'000'000'000, {}};
}

/// Polls `pred` until it holds or `limit` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
  auto end = steady::now() + limit;
  while (steady::now() < end) {
    if (pred())
      return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

client_options options_for(const test_node& node) {
  client_options o;
  o.address = node.address();
  o.timeout = 3s;
  o.reconnect_backoff = 20ms;
  return o;
}

client_error::code error_kind(const std::function<void()>& f, std::string* what = nullptr) {
  try {
    f();
  } catch (const client_error& e) {
    if (what != nullptr)
      *what = e.what();
    return e.kind();
  }
  FAIL("no client_error thrown");
  return client_error::code::closed;
}

uint16_t dead_port() {
  auto rec = std::make_shared<node_record>();
  test_node node(rec);
  return node.port(); // closed when `node` goes away
}

} // namespace

TEST_CASE("batches arrive complete and in order, acks are counted") {
  auto rec = std::make_shared<node_record>();
  test_node node(rec);
  auto opts = options_for(node);
  opts.batch_size = 10;
  opts.linger = 10s; // only full batches and flush() send
  client c(opts);
  for (uint64_t i = 0; i < 50; ++i)
    c.submit(make_event(i));
  std::vector<usage_event> more;
  for (uint64_t i = 50; i < 95; ++i)
    more.push_back(make_event(i));
  c.submit(std::move(more));
  c.flush();
  CHECK(c.acknowledged() == 95);
  std::lock_guard<std::mutex> lk(rec->mu);
  REQUIRE(rec->batches.size() == 10);
  uint64_t next = 0;
  for (size_t b = 0; b < rec->batches.size(); ++b) {
    CHECK(rec->batches[b].size() == (b < 9 ? 10u : 5u));
    for (auto& e : rec->batches[b]) {
      CHECK(e.session == next++);
      CHECK(e.user == "alice");
      CHECK(e.usage.cpu_millicores == 500);
    }
  }
}

TEST_CASE("a partial batch is sent after linger without flush") {
  auto rec = std::make_shared<node_record>();
  test_node node(rec);
  auto opts = options_for(node);
  opts.linger = 5ms;
  client c(opts);
  c.submit(make_event(1));
  c.submit(make_event(2));
  CHECK(eventually([&] { return c.acknowledged() == 2; }));
  CHECK(rec->event_count() == 2);
}

TEST_CASE("submit blocks while max_in_flight batches are unacknowledged") {
  auto rec = std::make_shared<node_record>();
  rec->hold_acks = true;
  test_node node(rec);
  auto opts = options_for(node);
  opts.batch_size = 1;
  opts.max_in_flight = 2;
  client c(opts);
  std::atomic<int> submitted{0};
  std::thread producer([&] {
    for (uint64_t i = 0; i < 3; ++i) {
      c.submit(make_event(i));
      ++submitted;
    }
  });
  REQUIRE(eventually([&] { return rec->batch_count() == 2; }));
  // Two batches held by the node: the third submit must be stuck.
  std::this_thread::sleep_for(200ms);
  CHECK(submitted == 2);
  CHECK(rec->batch_count() == 2);
  CHECK(c.acknowledged() == 0);
  node.release_held();
  producer.join();
  c.flush();
  CHECK(submitted == 3);
  CHECK(c.acknowledged() == 3);
  CHECK(rec->batch_count() == 3);
}

TEST_CASE("the node's rejection surfaces as rejected with its reason") {
  auto rec = std::make_shared<node_record>();
  test_node node(rec);
  client c(options_for(node));
  std::string what;

  SECTION("a batch") {
    c.submit({make_event(1), make_event(2, "forbidden")});
    CHECK(error_kind([&] { c.flush(); }, &what) == client_error::code::rejected);
    CHECK(what == "event 1: user forbidden is not allowed");
    c.submit(make_event(3)); // the error was reported once; later work is fine
    c.flush();
    CHECK(c.acknowledged() == 1);
  }
  SECTION("a release of an instance that is not granted") {
    auto g = c.request(make_request());
    c.release("acme", "alice", g);
    CHECK(error_kind([&] { c.release("acme", "alice", g); }, &what)
          == client_error::code::rejected);
    CHECK(what == "instance " + g.instance + " is not granted");
  }
  SECTION("a server throwing std::runtime_error") {
    CHECK(error_kind([&] { c.request(make_request("std")); }, &what)
          == client_error::code::rejected);
    CHECK(what == "no capacity for app std");
  }
  SECTION("a server failing KJ_REQUIRE") {
    CHECK(error_kind([&] { c.request(make_request("kjreq")); }, &what)
          == client_error::code::rejected);
    CHECK(what.find("no capacity for app kjreq") != std::string::npos);
    INFO(what);
    CHECK(what.find("remote exception") == std::string::npos);
    CHECK(what.find(".c++:") == std::string::npos);
  }
}

TEST_CASE("request, release and admin queries round-trip") {
  auto rec = std::make_shared<node_record>();
  test_node node(rec);
  client c(options_for(node));
  c.submit(make_event(1));
  c.flush();
  auto g = c.request(make_request());
  CHECK(g.data_center == "dc-test");
  CHECK(g.instance == "i-1");
  CHECK(g.path == grant_path::prewarmed);
  CHECK(g.decision_latency_us == 42);
  CHECK(g.endpoint == "127.0.0.1:4711"); // where the provider's instance serves
  CHECK(g.wait_us == 1234);
  c.release("acme", "alice", g);
  auto s = c.status();
  CHECK(s.node_id == "test-node");
  CHECK(s.events_ingested == 1);
  REQUIRE(s.data_centers.size() == 1);
  CHECK(s.data_centers[0].name == "dc-test");
  auto u = c.user("acme", "alice");
  CHECK(u.found);
  CHECK(u.events == 1);
  CHECK_FALSE(c.user("acme", "bob").found);
  CHECK(c.node_kpis().requests == 1);
}

TEST_CASE("a node that never answers times out without hanging") {
  auto rec = std::make_shared<node_record>();
  rec->silent = true;
  test_node node(rec);
  auto opts = options_for(node);
  opts.timeout = 300ms;
  client c(opts);
  auto start = steady::now();
  CHECK(error_kind([&] { c.request(make_request()); }) == client_error::code::timeout);
  CHECK(error_kind([&] { c.status(); }) == client_error::code::timeout);
  c.submit(make_event(1));
  std::string what;
  CHECK(error_kind([&] { c.flush(); }, &what) == client_error::code::timeout);
  CHECK(what.find("300 ms") != std::string::npos);
  CHECK(c.acknowledged() == 0);
  CHECK(steady::now() - start < 3s);
}

TEST_CASE("a request in flight when the node dies fails with disconnected") {
  auto rec = std::make_shared<node_record>();
  rec->silent = true;
  auto node = std::make_unique<test_node>(rec);
  auto opts = options_for(*node);
  opts.timeout = 5s;
  client c(opts);
  std::atomic<int> kind{-1};
  std::string what;
  std::thread caller([&] {
    kind = static_cast<int>(error_kind([&] { c.request(make_request()); }, &what));
  });
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> lk(rec->mu);
    return rec->requests_seen == 1;
  }));
  auto start = steady::now();
  node.reset(); // never re-sent: the node may have granted it
  caller.join();
  CHECK(kind == static_cast<int>(client_error::code::disconnected));
  CHECK(what.find("lost before the reply") != std::string::npos);
  CHECK(steady::now() - start < 2s);
}

TEST_CASE("an unreachable node fails calls with disconnected") {
  client_options opts;
  opts.address = "127.0.0.1:" + std::to_string(dead_port());
  opts.timeout = 300ms;
  opts.reconnect_backoff = 20ms;
  client c(opts);
  auto start = steady::now();
  std::string what;
  CHECK(error_kind([&] { c.status(); }, &what) == client_error::code::disconnected);
  CHECK(what.find(opts.address) != std::string::npos);
  c.submit(make_event(1));
  CHECK(error_kind([&] { c.flush(); }) == client_error::code::disconnected);
  CHECK(steady::now() - start < 3s);
}

TEST_CASE("a restarted node gets the unacknowledged batches again") {
  auto first = std::make_shared<node_record>();
  first->hold_acks = true;
  auto node = std::make_unique<test_node>(first);
  auto port = node->port();
  auto opts = options_for(*node);
  opts.timeout = 5s;
  opts.batch_size = 5;
  opts.max_in_flight = 4;
  client c(opts);
  for (uint64_t i = 0; i < 20; ++i)
    c.submit(make_event(i));
  REQUIRE(eventually([&] { return first->batch_count() == 4; }));
  CHECK(c.acknowledged() == 0);
  node.reset(); // killed with four batches unacknowledged
  auto second = std::make_shared<node_record>();
  node = std::make_unique<test_node>(second, port);
  c.flush();
  CHECK(c.acknowledged() == 20);
  auto events = second->events();
  REQUIRE(events.size() == 20);
  for (uint64_t i = 0; i < 20; ++i)
    CHECK(events[i].session == i);
  // The client keeps working on the new connection.
  auto g = c.request(make_request());
  CHECK(g.instance == "i-1");
}

TEST_CASE("concurrent submits from four threads are acked exactly once") {
  auto rec = std::make_shared<node_record>();
  test_node node(rec);
  auto opts = options_for(node);
  opts.batch_size = 64;
  client c(opts);
  constexpr uint64_t per_thread = 2'000;
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t)
    threads.emplace_back([&c, t] {
      for (uint64_t i = 0; i < per_thread; ++i)
        c.submit(make_event(t * per_thread + i, "user-" + std::to_string(t)));
      c.flush();
    });
  for (auto& t : threads)
    t.join();
  CHECK(c.acknowledged() == 4 * per_thread);
  auto events = rec->events();
  CHECK(events.size() == 4 * per_thread);
  std::set<uint64_t> sessions;
  std::vector<uint64_t> last(4, 0);
  bool ordered = true;
  for (auto& e : events) {
    sessions.insert(e.session);
    auto t = e.session / per_thread;
    if (e.session < last[t])
      ordered = false;
    last[t] = e.session;
  }
  CHECK(sessions.size() == 4 * per_thread);
  CHECK(ordered); // each thread's events arrive in its order
}

TEST_CASE("the destructor returns promptly when the node is dead") {
  client_options opts;
  opts.address = "127.0.0.1:" + std::to_string(dead_port());
  opts.timeout = 10s;
  auto c = std::make_unique<client>(opts);
  c->submit(make_event(1));
  c->submit(make_event(2));
  std::this_thread::sleep_for(50ms); // let it try to connect
  auto start = steady::now();
  c.reset();
  CHECK(steady::now() - start < 1s);
}

TEST_CASE("the destructor returns promptly when the node never answers") {
  auto rec = std::make_shared<node_record>();
  rec->silent = true;
  test_node node(rec);
  auto opts = options_for(node);
  opts.timeout = 10s;
  auto c = std::make_unique<client>(opts);
  c->submit(make_event(1));
  REQUIRE(eventually([&] { return rec->batch_count() == 1; }));
  auto start = steady::now();
  c.reset();
  CHECK(steady::now() - start < 1s);
}

TEST_CASE("invalid input is rejected locally without sending") {
  auto rec = std::make_shared<node_record>();
  test_node node(rec);
  client c(options_for(node));
  std::string what;
  auto no_user = make_event(1, "");
  CHECK(error_kind([&] { c.submit(no_user); }, &what) == client_error::code::rejected);
  CHECK(what == "user is empty");
  auto nan_cpu = make_event(2);
  nan_cpu.usage.cpu_millicores = std::nan("");
  CHECK(error_kind([&] { c.submit(nan_cpu); }, &what) == client_error::code::rejected);
  CHECK(what == "cpuMillicores is not a finite number");
  CHECK(error_kind([&] { c.submit({make_event(3), make_event(4), nan_cpu}); }, &what)
        == client_error::code::rejected);
  CHECK(what == "event 2: cpuMillicores is not a finite number");
  auto bad = make_request();
  bad.user.clear();
  CHECK(error_kind([&] { c.request(bad); }) == client_error::code::rejected);
  CHECK(error_kind([&] { c.release("acme", "alice", grant{}); })
        == client_error::code::rejected);
  c.flush();
  CHECK(c.acknowledged() == 0);
  CHECK(rec->batch_count() == 0);
  CHECK(rec->requests == 0);
}

TEST_CASE("a token logs in on connect and the calls use what it grants") {
  auto rec = std::make_shared<node_record>();
  rec->require_login = true;
  test_node node(rec);
  auto opts = options_for(node);
  opts.token = "good-token";
  client c(opts);
  c.submit(make_event(1));
  c.flush();
  CHECK(c.acknowledged() == 1);
  CHECK(c.status().events_ingested == 1);
  CHECK(c.user("acme", "alice").found);
  std::lock_guard<std::mutex> lk(rec->mu);
  CHECK(rec->logins == std::vector<std::string>{"good-token"}); // once per connection
}

TEST_CASE("a wrong token or none surfaces the node's refusal") {
  auto rec = std::make_shared<node_record>();
  rec->require_login = true;
  test_node node(rec);
  std::string what;
  SECTION("wrong token") {
    auto opts = options_for(node);
    opts.token = "bad-token";
    client c(opts);
    CHECK(error_kind([&] { c.status(); }, &what) == client_error::code::rejected);
    CHECK(what == "unknown token");
    c.submit(make_event(1));
    CHECK(error_kind([&] { c.flush(); }, &what) == client_error::code::rejected);
    CHECK(what == "unknown token");
  }
  SECTION("no token") {
    client c(options_for(node));
    CHECK(error_kind([&] { c.status(); }, &what) == client_error::code::rejected);
    CHECK(what == "authentication required: log in with a token");
    c.submit(make_event(1));
    CHECK(error_kind([&] { c.flush(); }, &what) == client_error::code::rejected);
    CHECK(what == "authentication required: log in with a token");
  }
}
