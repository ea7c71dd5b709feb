// What both providers keep about their instances (private): the records,
// capacity accounting, and the state rules of provider.hpp (ids unique,
// hand over only when ready and only once), so each provider adds only how
// its instances start.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "prescient/providers/provider.hpp"

namespace prescient::providers {

struct instance_record {
  instance_info info;
  size_t steps = 0;          ///< warm-up steps it runs (0 when cold)
  time_us provisioned_at = 0;
  time_us started_at = 0;    ///< READY (or cold start elapsed)
  time_us ready_at = 0;      ///< warm-up done
};

class instance_table {
public:
  explicit instance_table(resource_vector capacity) : capacity_(capacity) {
    // nop
  }

  const resource_vector& capacity() const noexcept {
    return capacity_;
  }
  const resource_vector& used() const noexcept {
    return used_;
  }

  /// Checks the template, the id and the capacity; on success records the
  /// instance as starting and returns it in `out`.
  provider_error admit(const app_template& app, const std::string& id,
                       bool warm, time_us now, instance_record*& out);

  /// Takes over an instance found after a restart, whatever the capacity:
  /// it exists and holds its resources.
  void adopt(instance_info info);

  /// The live instance, or nullptr.
  instance_record* find(const std::string& id);

  /// ready → handed_over. `delay_us` is a warm instance's hand-over delay.
  outcome<handover> hand_over(const std::string& id, time_us now,
                              int64_t delay_us);

  /// Forgets the instance and frees its capacity; false when unknown.
  bool erase(const std::string& id);

  std::vector<instance_info> list() const;

  std::map<std::string, instance_record>& records() noexcept {
    return records_;
  }

  /// After close(), admit() fails with shut_down.
  void close() noexcept {
    closed_ = true;
  }

private:
  bool fits(const resource_vector& r) const;
  void add(const resource_vector& r, double sign);

  resource_vector capacity_;
  resource_vector used_;
  std::map<std::string, instance_record> records_; // ordered: list() by id
  bool closed_ = false;
};

provider_error make_error(provider_errc code, std::string message);

} // namespace prescient::providers
