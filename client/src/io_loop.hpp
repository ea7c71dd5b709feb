// The client's I/O thread, seen from caller threads. Every method but the
// constructor and destructor marshals onto the I/O thread with
// kj::Executor::executeSync and blocks until that work is done; none of them
// may be called on the I/O thread itself. Private.
#pragma once

#include <string>
#include <thread>

#include <kj/async.h>

#include "batch_source.hpp"
#include "prescient/client.hpp"

namespace prescient::detail {

class io_state; // the KJ side, io_state.hpp

class io_loop {
public:
  /// Starts the thread and waits until its event loop runs; then starts
  /// connecting in the background.
  io_loop(const client_options& opts, batch_source& source);

  /// Stops the loop (pending work is dropped), joins the thread.
  ~io_loop();

  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  /// Takes the sealed batches from the source and sends them.
  /// Throws client_error::closed when the loop is gone.
  void kick();

  /// Calls source.linger_expired(generation) after client_options::linger.
  void arm_linger(uint64_t generation);

  grant request(const resource_request& r);
  void release(const std::string& tenant, const std::string& user,
               const grant& g);
  node_status status();
  user_summary user(const std::string& tenant, const std::string& user);
  kpis node_kpis();
  data_center_forecast forecast(const std::string& data_center,
                                uint32_t horizon_steps);
  std::vector<anomaly> anomalies(uint32_t limit);

private:
  template <typename F>
  auto on_loop(F&& f);

  void run();

  client_options opts_;
  batch_source& source_;
  io_state* state_ = nullptr; // lives on the thread's stack while it runs
  kj::Own<const kj::Executor> executor_;
  std::thread thread_;
};

} // namespace prescient::detail
