// A simulated data center, for replay and tests: capacity accounting and
// start-up delays drawn from configurable distributions, driven entirely by
// the event time its caller passes in. Nothing sleeps and nothing runs in
// the background, so a replay runs as fast as the broker can decide, and the
// same seed and the same calls give the same delays and the same events.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "prescient/providers/delay_distribution.hpp"
#include "prescient/providers/provider.hpp"

namespace prescient::providers {

class instance_table;

struct simulated_config {
  std::string data_center;  ///< for messages
  resource_vector capacity; // Default: all 0 (nothing fits)
  /// Provision → started (the cold start, on both paths).
  delay_distribution cold_start = delay_distribution::fixed(2000); // Default: 2000 ms
  /// Each warm-up step of a warm instance (shadow execution).
  delay_distribution warmup_step = delay_distribution::fixed(100); // Default: 100 ms
  /// Handing over a warm instance (attach, route): the request's wait.
  delay_distribution warm_start = delay_distribution::fixed(50);   // Default: 50 ms
  /// Chance that a start fails (a failed event when its cold start ends).
  double failure_rate = 0;  // Default: 0, in [0, 1]
  uint64_t seed = 1;        // Default: 1
};

/// Delays are drawn at provision time (cold start, then one per warm-up
/// step, then whether it fails) and at hand-over (warm start), from one
/// generator in call order. Endpoints are "sim://<data_center>/<id>".
class simulated_provider final : public provider {
public:
  explicit simulated_provider(simulated_config cfg);
  ~simulated_provider() override;

  resource_vector capacity() const override;
  resource_vector used() const override;
  provider_error provision_warm(const app_template& app, const std::string& id,
                                time_us now) override;
  provider_error provision_cold(const app_template& app, const std::string& id,
                                time_us now) override;
  std::vector<provider_event> poll(time_us now) override;
  std::optional<time_us> next_poll(time_us now) const override;
  outcome<handover> hand_over(const std::string& id, time_us now) override;
  provider_error release(const std::string& id, time_us now) override;
  std::vector<instance_info> list() const override;
  void shutdown() override;

private:
  provider_error provision(const app_template& app, const std::string& id,
                           bool warm, time_us now);

  simulated_config cfg_;
  std::mt19937_64 rng_;
  std::unique_ptr<instance_table> table_;
  std::map<std::string, bool> fails_; // instances whose start will fail
};

} // namespace prescient::providers
