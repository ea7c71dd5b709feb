// Users the router throttles: those flagged as departing from their
// profile, for tenants whose policy says so (tenants[].throttle_anomalous).
//
// What throttling does, for `time` of event time after the latest flag:
//   - no pre-warming: behaviour that departs from what was learned is the
//     behaviour the predictions are worst at, so a hold for it would mostly
//     idle, and a burst would take the tenant's share of the reserve;
//   - claims limited to `claims_per_minute` per event-time minute: beyond
//     it the request is refused with the flag's reason, so a runaway client
//     cannot take the data center's capacity, while a user whose behaviour
//     merely changed keeps being served at a modest rate.
// A later flag extends the throttle; the entry is dropped once it ends.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace prescient {

class throttle_list {
public:
  struct policy {
    int64_t time_us = 15LL * 60 * 1'000'000; // Default: 15 min
    uint32_t claims_per_minute = 10;         // Default: 10
  };

  /// The user (key: tenant \x1f user) was flagged at `time_us` for `reason`.
  void flag(const std::string& key, int64_t time_us, const std::string& reason,
            const policy& p);

  /// True while the user is throttled at `now_us`.
  bool throttled(const std::string& key, int64_t now_us) const;

  /// Whether a claim at `now_us` may go on; when not, `why` says so. Counts
  /// the claim against the user's minute when it may.
  bool admit_claim(const std::string& key, int64_t now_us, const policy& p,
                   std::string& why);

  /// Drops throttles that ended before `now_us`.
  void expire(int64_t now_us);

  size_t size() const noexcept {
    return users_.size();
  }

private:
  struct entry {
    int64_t until_us = 0;
    std::string reason;
    int64_t minute = -1;  ///< event-time minute of `claims`
    uint32_t claims = 0;  ///< admitted in that minute
  };
  std::unordered_map<std::string, entry> users_;
};

} // namespace prescient
