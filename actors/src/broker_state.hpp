// State of a broker (private): capacity in use and the live grants.
#pragma once

#include <string>
#include <unordered_map>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "prescient/actors/broker_actor.hpp"
#include "demand_tracker.hpp"
#include "prescient/storage/db.hpp"

namespace prescient {

class broker_state {
public:
  static inline const char* name = "broker";

  void init(storage::db* db, data_center_spec spec);

  /// Reads the ledger: every grant that was never released is still out.
  caf::error restore();

  caf::expected<grant> claim(const resource_request& r);
  caf::error release(const std::string& tenant, const std::string& user,
                     const std::string& instance);
  broker_stats stats() const;
  data_center_forecast forecast(int horizon_steps) const;

  /// The demand forecasters' refits (see demand_tracker).
  demand_tracker& demand() noexcept {
    return demand_;
  }

private:
  struct live_grant {
    std::string tenant;
    std::string user;
    std::string app;
    resource_vector resources;
    int64_t time_us = 0;
  };

  std::string ledger_key(const std::string& instance) const;
  static std::string encode(const live_grant& g);
  static bool decode(std::string_view in, live_grant& g);
  bool fits(const resource_vector& r) const;
  void add(const resource_vector& r, double sign);

  storage::db* db_ = nullptr;
  data_center_spec spec_;
  resource_vector used_;
  std::unordered_map<std::string, live_grant> grants_; // by instance id
  uint64_t next_instance_ = 1;
  broker_stats counters_;
  storage::write_batch batch_;
  demand_tracker demand_;
};

} // namespace prescient
