// An in-test Prescient node: a real Cap'n Proto RPC server on 127.0.0.1,
// on its own thread with its own KJ event loop, implementing Node, Gateway
// and Admin just enough to exercise the client.
//
// Gateway.submitEvents stores the batch and acks it (or holds the ack while
// `hold_acks`, or never answers while `silent`); a batch with an event whose
// user is "forbidden" is rejected with "event <i>: user forbidden is not
// allowed". Gateway.request grants "i-<n>" in "dc-test" (app "std" throws a
// std::runtime_error, app "kjreq" fails a KJ_REQUIRE). Releasing an instance
// that is not granted is rejected. Node.login accepts the token "good-token"
// and refuses any other with "unknown token"; with `require_login`,
// Node.gateway and Node.admin refuse to answer without it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <kj/async.h>

#include "prescient/wire/event.hpp"

namespace prescient::test {

/// What the node saw; shared between the test and the server thread.
struct node_record {
  std::mutex mu;
  std::vector<std::vector<usage_event>> batches; // every batch received
  size_t acked = 0;                              // batches acknowledged
  std::set<std::string> live;                    // granted, not released
  uint64_t requests = 0;      // granted
  uint64_t requests_seen = 0; // received, granted or not
  bool hold_acks = false; // store batches but hold their replies
  bool silent = false;    // never answer anything
  bool require_login = false;      // gateway()/admin() refuse: log in first
  std::vector<std::string> logins; // tokens presented to login, in order

  size_t batch_count();
  size_t event_count();
  std::vector<usage_event> events(); // all, in arrival order
};

class test_node {
public:
  /// Listens on 127.0.0.1:`port` (0 = any free port).
  explicit test_node(std::shared_ptr<node_record> rec, uint16_t port = 0);
  /// Closes the listener and every connection (like a killed process).
  ~test_node();

  uint16_t port() const {
    return port_;
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(port_);
  }

  /// Clears hold_acks and answers every held batch.
  void release_held();

private:
  struct loop;
  std::shared_ptr<node_record> rec_;
  uint16_t port_ = 0;
  loop* loop_ = nullptr;
  kj::Own<const kj::Executor> executor_;
  std::thread thread_;
};

} // namespace prescient::test
