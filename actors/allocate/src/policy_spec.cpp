#include "prescient/allocate/policy_spec.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace prescient::allocate {

bool parse_policy(const std::string& name, policy_spec& out, std::string& error) {
  out = policy_spec{};
  out.name = name;
  if (name == "reactive") {
    out.kind = policy_spec::family::reactive;
    return true;
  }
  if (name == "hybrid-histogram") {
    out.kind = policy_spec::family::hybrid;
    return true;
  }
  if (name.rfind("keepalive:", 0) == 0) {
    const std::string arg = name.substr(10);
    const bool digits = arg.size() >= 2 && arg.size() <= 8 && arg.back() == 'm' &&
                        arg.find_first_not_of("0123456789") == arg.size() - 1;
    const long n = digits ? std::strtol(arg.c_str(), nullptr, 10) : 0;
    if (n < 1) {
      error = "bad policy '" + name + "': keepalive takes whole minutes >= 1, e.g. keepalive:10m";
      return false;
    }
    out.kind = policy_spec::family::keepalive;
    out.keepalive = static_cast<int>(n);
    return true;
  }
  if (name == "prescient" || name.rfind("prescient:", 0) == 0) {
    out.kind = policy_spec::family::prescient;
    if (name.size() > 9) {
      const std::string arg = name.substr(10);
      errno = 0;
      char* end = nullptr;
      const double c = std::strtod(arg.c_str(), &end);
      if (arg.empty() || errno || *end || !std::isfinite(c) || c <= 0) {
        error = "bad policy '" + name + "': prescient:<C> takes GB-minutes per cold start > 0, e.g. prescient:32";
        return false;
      }
      out.prescient.cold_start_gb_min = c;
    }
    return true;
  }
  error = "unknown policy '" + name + "' (reactive, keepalive:<N>m, hybrid-histogram, prescient[:<C>])";
  return false;
}

std::unique_ptr<policy_factory> make_policy(const policy_spec& spec) {
  switch (spec.kind) {
    case policy_spec::family::reactive: return make_fixed_keepalive(0);
    case policy_spec::family::keepalive: return make_fixed_keepalive(spec.keepalive);
    case policy_spec::family::hybrid: return make_hybrid_histogram(spec.hybrid);
    case policy_spec::family::prescient: return make_prescient(spec.prescient);
  }
  return make_fixed_keepalive(0);
}

} // namespace prescient::allocate
