#include "request_worker.hpp"

#include <chrono>

namespace prescient::load {

namespace {

std::string key_of(const std::string& tenant, const std::string& user,
                   const std::string& device, const std::string& app) {
  return tenant + '/' + user + '/' + device + '/' + app;
}

} // namespace

request_worker::request_worker(client& c) : client_(c) {
  thread_ = std::thread([this] { run(); });
}

request_worker::~request_worker() {
  finish();
}

void request_worker::enqueue(resource_request r) {
  std::lock_guard<std::mutex> guard{mtx_};
  queue_.push_back({false, std::move(r)});
  cv_.notify_one();
}

void request_worker::enqueue_close(const usage_event& e) {
  resource_request r;
  r.tenant = e.tenant;
  r.user = e.user;
  r.device = e.device;
  r.app = e.app;
  std::lock_guard<std::mutex> guard{mtx_};
  queue_.push_back({true, std::move(r)});
  cv_.notify_one();
}

void request_worker::finish() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    done_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable())
    thread_.join();
}

request_worker::totals request_worker::result() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return totals_;
}

void request_worker::run() {
  for (;;) {
    job j;
    {
      std::unique_lock<std::mutex> guard{mtx_};
      cv_.wait(guard, [this] { return done_ || !queue_.empty(); });
      if (queue_.empty())
        return;
      j = std::move(queue_.front());
      queue_.pop_front();
    }
    auto& r = j.request;
    auto key = key_of(r.tenant, r.user, r.device, r.app);
    if (j.release) {
      auto i = live_.find(key);
      if (i == live_.end())
        continue;
      try {
        client_.release(r.tenant, r.user, i->second);
        std::lock_guard<std::mutex> guard{mtx_};
        ++totals_.released;
      } catch (const client_error&) {
        // Counted as not released; the report shows the difference.
      }
      live_.erase(i);
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    try {
      auto g = client_.request(r);
      if (auto old = live_.find(key); old != live_.end()) {
        // The same app asked again before it closed: the earlier grant is
        // no longer needed.
        try {
          client_.release(r.tenant, r.user, old->second);
        } catch (const client_error&) {
        }
      }
      auto us = std::chrono::duration<double, std::micro>(
                  std::chrono::steady_clock::now() - start)
                  .count();
      std::lock_guard<std::mutex> guard{mtx_};
      ++totals_.requests;
      ++totals_.granted;
      totals_.latency_us.push_back(us);
      totals_.granted_warm += g.path != grant_path::reactive;
      totals_.with_endpoint += !g.endpoint.empty();
      totals_.wait_us.push_back(double(g.wait_us));
      live_[key] = std::move(g);
    } catch (const client_error&) {
      std::lock_guard<std::mutex> guard{mtx_};
      ++totals_.requests;
      ++totals_.refused;
    }
  }
}

} // namespace prescient::load
