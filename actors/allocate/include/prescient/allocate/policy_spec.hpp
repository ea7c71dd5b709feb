// Policy names as the command line and reports spell them:
//   reactive              never keep an app loaded
//   keepalive:<N>m        fixed keep-alive of N >= 1 minutes
//   hybrid-histogram      Shahrad et al.'s hybrid histogram policy
//   prescient[:<C>]       Prescient's policy; C = GB-minutes one avoided cold
//                         start is worth (the trade-off knob, > 0)
#pragma once

#include <memory>
#include <string>

#include "prescient/allocate/baselines.hpp"
#include "prescient/allocate/prescient_policy.hpp"

namespace prescient::allocate {

struct policy_spec {
  enum class family { reactive, keepalive, hybrid, prescient };
  family kind = family::reactive;
  std::string name;      ///< as given
  int keepalive = 0;     ///< minutes (keepalive)
  hybrid_params hybrid;
  prescient_params prescient;
};

/// Parses one name; on failure returns false and says why in `error`.
[[nodiscard]] bool parse_policy(const std::string& name, policy_spec& out, std::string& error);

/// A fresh factory for the spec (fresh shared state).
std::unique_ptr<policy_factory> make_policy(const policy_spec& spec);

} // namespace prescient::allocate
