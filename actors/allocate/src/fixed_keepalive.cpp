// reactive and keepalive:<N>m (see baselines.hpp).
#include <cassert>

#include "prescient/allocate/baselines.hpp"

namespace prescient::allocate {

namespace {

class fixed_keepalive final : public policy {
public:
  explicit fixed_keepalive(int minutes) : w_{0, minutes} {}
  window on_invocation(minute_t, std::uint64_t) override { return w_; }
private:
  window w_;
};

class fixed_factory final : public policy_factory {
public:
  explicit fixed_factory(int minutes) : minutes_(minutes) { assert(minutes >= 0); }
  std::unique_ptr<policy> make(const app_info&) override { return std::make_unique<fixed_keepalive>(minutes_); }
private:
  int minutes_;
};

} // namespace

std::unique_ptr<policy_factory> make_fixed_keepalive(int minutes) {
  return std::make_unique<fixed_factory>(minutes);
}

} // namespace prescient::allocate
