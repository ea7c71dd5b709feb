// Requests to a broker from a test's scoped actor, shared by the broker tests.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "fixture.hpp"
#include "prescient/actors/broker_actor.hpp"
#include "prescient/actors/errc.hpp"

namespace prescient::test {

/// The broker's grant, or its error.
inline caf::expected<grant> claim_of(actor_fixture& f, const broker_actor& b,
                                     const resource_request& r) {
  caf::expected<grant> out{caf::error{}};
  (*f.self)->request(b, f.timeout, claim_atom::value, r)
    .receive([&](grant& g) { out = std::move(g); },
             [&](caf::error& e) { out = std::move(e); });
  return out;
}

/// Releases a grant of tenant "demo"; the broker's error, or none.
inline caf::error release_at(actor_fixture& f, const broker_actor& b,
                             const std::string& user, const std::string& instance) {
  caf::error out;
  (*f.self)->request(b, f.timeout, release_atom::value, std::string("demo"), user, instance)
    .receive([](bool) {}, [&](caf::error& e) { out = std::move(e); });
  return out;
}

inline broker_stats stats_of(actor_fixture& f, const broker_actor& b) {
  broker_stats out;
  (*f.self)->request(b, f.timeout, status_atom::value)
    .receive([&](const broker_stats& s) { out = s; },
             [](caf::error& e) { FAIL(describe(e)); });
  return out;
}

} // namespace prescient::test
