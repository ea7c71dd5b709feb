// One instant's work for a broker in one message: what a replay (or any
// caller with many users at once) would otherwise send as one message per
// release, hold and claim. The broker applies it exactly as if each had
// been sent on its own, in this order: releases, holds, claims.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "prescient/actors/messages.hpp"

namespace prescient {

/// An instance to give back, as release_atom names it.
struct instance_ref {
  std::string tenant;
  std::string user;
  std::string instance;
};

struct broker_batch {
  std::vector<instance_ref> releases;
  std::vector<hold_request> holds;
  std::vector<resource_request> claims;
};

/// One answer per item, in the batch's order.
struct broker_batch_reply {
  std::vector<std::string> release_errors; ///< "" = released, else why not
  std::vector<hold_reply> holds;
  std::vector<grant> grants;               ///< a failed claim: empty instance
  std::vector<std::string> claim_errors;   ///< "" = granted, else why not
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_ref& x) {
  return f(caf::meta::type_name("instance_ref"), x.tenant, x.user, x.instance);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_batch& x) {
  return f(caf::meta::type_name("broker_batch"), x.releases, x.holds, x.claims);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_batch_reply& x) {
  return f(caf::meta::type_name("broker_batch_reply"), x.release_errors, x.holds,
           x.grants, x.claim_errors);
}

} // namespace prescient
