// The Prescient client library: what a front end links to talk to one
// `prescientd` node over Cap'n Proto RPC.
//
// Design. A `client` owns one I/O thread running a KJ event loop; that thread
// owns the TCP connection, the RPC system and every timer. Public methods may
// be called from any thread: they marshal their work onto the I/O thread and
// block the caller until it is done (or until its deadline passes), so no
// method ever waits longer than `client_options::timeout` for the node,
// except submit(), which may also wait for the node to acknowledge earlier
// batches (backpressure, see below).
//
// Events are buffered and sent in batches of `batch_size` events; a partial
// batch is sent after `linger` at the latest, or by flush(). Up to
// `max_in_flight` batches may be unacknowledged at a time; submit() blocks
// while that many are outstanding.
//
// Delivery is at least once. When the connection drops, the client reconnects
// (backoff from `reconnect_backoff`, doubling up to 5 s) and re-sends every
// unacknowledged batch in the order it was first sent, until the batch's
// deadline (`timeout` after it was first handed to the I/O thread) passes.
// A batch that reached the node but whose acknowledgement was lost is thus
// stored twice. request() and release() are not idempotent and are never
// re-sent once written to a connection; status(), user() and node_kpis() are
// retried until their deadline.
//
// This header pulls in no Cap'n Proto or KJ API of its own (the wire value
// types come from prescient/wire/*.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "prescient/wire/admin.hpp"
#include "prescient/wire/event.hpp"

namespace prescient {

struct client_options {
  /// host:port of a node (a numeric address or a name to resolve).
  /// Default: "127.0.0.1:7400".
  std::string address = "127.0.0.1:7400";

  /// Deadline of each RPC: one submit batch (including its re-sends and the
  /// time spent reconnecting), request, release, or admin query; also bounds
  /// one TCP connect attempt. Default: 10 s.
  std::chrono::milliseconds timeout{10'000};

  /// Events per submitEvents call; clamped to 1..limits::max_batch_events.
  /// Default: 1000.
  size_t batch_size = 1'000;

  /// Unacknowledged batches allowed before submit() blocks; at least 1.
  /// Default: 4.
  size_t max_in_flight = 4;

  /// First delay before reconnecting after a failure; doubles after each
  /// failed attempt up to 5 s, reset by a successful connect. Default: 100 ms.
  std::chrono::milliseconds reconnect_backoff{100};

  /// Longest time a partial batch waits before the I/O thread sends it.
  /// Default: 5 ms.
  std::chrono::milliseconds linger{5};

  /// When set, the client logs in with this token on every connection and
  /// uses the capabilities it grants: a tenant token reaches only that
  /// tenant's users; an admin token everything. A node that enforces
  /// authentication refuses every call without one ("authentication
  /// required: log in with a token"), a wrong one with "unknown token"
  /// (both client_error::rejected). Default: "" (no login).
  std::string token;
};

/// Every failure the client reports. what() is a one-line message.
class client_error : public std::runtime_error {
public:
  enum class code {
    timeout,      ///< the node did not answer within client_options::timeout
    rejected,     ///< the input was refused (locally or by the node); what()
                  ///< is the one-line reason, e.g. "event 3: user is empty"
    disconnected, ///< the node was unreachable, or the connection was lost
                  ///< while waiting for a reply that must not be re-sent
    closed,       ///< the client is shutting down
  };

  client_error(code kind, const std::string& message);

  code kind() const noexcept {
    return kind_;
  }

private:
  code kind_;
};

/// "timeout", "rejected", "disconnected" or "closed".
const char* to_string(client_error::code) noexcept;

/// A connection to one node. Thread-safe: any thread may call any method
/// concurrently, except that no call may overlap the destructor.
class client {
public:
  /// Starts the I/O thread and begins connecting in the background; returns
  /// at once and never throws for an unreachable node (the first call that
  /// needs the node reports it). Throws std::runtime_error only when the
  /// event loop cannot be set up.
  explicit client(client_options opts = {});

  /// Stops the I/O thread and closes the connection. Events not yet
  /// acknowledged are dropped: call flush() first. Never blocks on the node.
  ~client();

  client(const client&) = delete;
  client& operator=(const client&) = delete;
  client(client&&) = delete;
  client& operator=(client&&) = delete;

  /// Buffers one event. Validates it locally first (ids, kind, values and
  /// time_us > 0; no time window) and throws client_error::rejected without
  /// sending when it is bad. Blocks while max_in_flight batches are
  /// unacknowledged. Send failures are reported by the next flush().
  void submit(usage_event e);

  /// Buffers many events, validating all of them first: one bad event
  /// rejects the whole call ("event <i>: <reason>") and nothing is buffered.
  void submit(std::vector<usage_event> events);

  /// Sends the partial batch and waits until every event submitted before
  /// the call is acknowledged or has failed. Throws the first failure since
  /// the previous flush() (then forgets it), or client_error::closed.
  void flush();

  /// Events the node acknowledged as durable, since construction.
  uint64_t acknowledged() const;

  /// Asks the node for capacity. Throws client_error.
  grant request(const resource_request& r);

  /// Gives a granted instance back. Throws client_error (releasing twice is
  /// rejected by the node).
  void release(const std::string& tenant, const std::string& user,
               const grant& g);

  /// Admin queries. Throw client_error.
  node_status status();
  user_summary user(const std::string& tenant, const std::string& user);
  kpis node_kpis();

  /// Demand forecast of a data center: requests per 5-minute step for
  /// `horizon_steps` steps (1..2016), the total first. Throws client_error.
  data_center_forecast forecast(const std::string& data_center,
                                uint32_t horizon_steps);

  /// The latest `limit` (1..1000) anomalies the node flagged — users whose
  /// behaviour departs from their profile, data centers whose demand left
  /// its forecast interval — newest first. Throws client_error.
  std::vector<anomaly> anomalies(uint32_t limit = 50);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace prescient
