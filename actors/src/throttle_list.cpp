#include "throttle_list.hpp"

#include <algorithm>

namespace prescient {

void throttle_list::flag(const std::string& key, int64_t time_us,
                         const std::string& reason, const policy& p) {
  auto& e = users_[key];
  e.until_us = std::max(e.until_us, time_us + p.time_us);
  e.reason = reason;
}

bool throttle_list::throttled(const std::string& key, int64_t now_us) const {
  auto i = users_.find(key);
  return i != users_.end() && now_us < i->second.until_us;
}

bool throttle_list::admit_claim(const std::string& key, int64_t now_us,
                                const policy& p, std::string& why) {
  auto i = users_.find(key);
  if (i == users_.end() || now_us >= i->second.until_us)
    return true;
  auto& e = i->second;
  // Floor division: event time may precede the epoch in a test.
  int64_t minute = now_us >= 0 ? now_us / 60'000'000 : (now_us + 1) / 60'000'000 - 1;
  if (minute != e.minute) {
    e.minute = minute;
    e.claims = 0;
  }
  if (e.claims < p.claims_per_minute) {
    ++e.claims;
    return true;
  }
  why = "throttled: " + std::to_string(p.claims_per_minute)
        + " requests a minute until the flag ends (" + e.reason + ")";
  return false;
}

void throttle_list::expire(int64_t now_us) {
  for (auto i = users_.begin(); i != users_.end();)
    i = i->second.until_us <= now_us ? users_.erase(i) : std::next(i);
}

} // namespace prescient
