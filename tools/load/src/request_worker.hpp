// Turns the workload's request and close events into real request() and
// release() calls on their own thread, so their round trips do not hold up
// event submission. Measures the client-side decision latency.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "prescient/client.hpp"

namespace prescient::load {

class request_worker {
public:
  request_worker(client& c);
  ~request_worker();

  /// A request event: ask for capacity. A close event: give it back.
  void enqueue(resource_request r);
  void enqueue_close(const usage_event& close);

  /// Waits until the queue is drained, then stops the thread.
  void finish();

  struct totals {
    uint64_t requests = 0;
    uint64_t granted = 0;
    uint64_t refused = 0;
    uint64_t released = 0;
    std::vector<double> latency_us; ///< client-side round trips of grants
    uint64_t granted_warm = 0;      ///< prewarmed or shadow: a warm instance
    uint64_t with_endpoint = 0;     ///< grants whose provider named an endpoint
    std::vector<double> wait_us;    ///< what each grant waited on its provider
  };
  totals result() const;

private:
  struct job {
    bool release = false;
    resource_request request;
  };
  void run();

  client& client_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  bool done_ = false;
  std::map<std::string, grant> live_; // tenant/user/device/app → grant
  totals totals_;
  std::thread thread_;
};

} // namespace prescient::load
