// An actor system and a real RocksDB in a fresh directory, for tests that
// drive actors with a scoped_actor (CAF's expect() DSL does not work under
// Catch2).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "prescient/storage/db.hpp"
#include "prescient/wire/event.hpp"

namespace prescient::test {

struct actor_fixture {
  actor_fixture();
  ~actor_fixture();

  /// Closes and reopens the database, as after a restart.
  void reopen_db();

  /// Asks `whom` and returns the answer; a failure fails the test.
  template <class T, class Handle, class... Ts>
  T ask(const Handle& whom, Ts&&... xs) {
    T out{};
    (*self)->request(whom, timeout, std::forward<Ts>(xs)...)
      .receive([&](T& x) { out = std::move(x); },
               [](caf::error& e) { FAIL(to_string(e)); });
    return out;
  }

  std::string dir;
  std::unique_ptr<storage::db> db;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  std::chrono::seconds timeout{10};
};

usage_event event_of(const std::string& user, int seq, const std::string& device = "");

} // namespace prescient::test
