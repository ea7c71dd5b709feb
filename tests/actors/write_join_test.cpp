#include <catch2/catch.hpp>

#include <optional>

#include <caf/sec.hpp>

#include "write_join.hpp"

using prescient::write_join;

namespace {

struct answer {
  int calls = 0;
  std::optional<uint32_t> count;
  caf::error error;
};

prescient::write_done record(answer& a) {
  return [&a](caf::expected<uint32_t> r) {
    ++a.calls;
    if (r)
      a.count = *r;
    else
      a.error = r.error();
  };
}

} // namespace

TEST_CASE("a write joins its parts: the counted ones' sum once all are done") {
  answer a;
  auto j = write_join::make(3, record(a));
  auto primary = j->part(), other = j->part(), replica = j->part(false);
  primary(uint32_t{5});
  replica(uint32_t{5}); // a copy of the primary's events: not counted again
  CHECK(a.calls == 0);
  other(uint32_t{2});
  CHECK(a.calls == 1);
  REQUIRE(a.count);
  CHECK(*a.count == 7);
}

TEST_CASE("a write answers its first failure once, whatever the other parts do") {
  answer a;
  auto j = write_join::make(3, record(a));
  auto p1 = j->part(), p2 = j->part(), p3 = j->part();
  p1(uint32_t{4});
  p2(caf::make_error(caf::sec::request_timeout));
  p3(caf::make_error(caf::sec::invalid_argument));
  CHECK(a.calls == 1);
  CHECK_FALSE(a.count);
  CHECK(a.error == caf::sec::request_timeout);
}

TEST_CASE("a write of no parts is answered at once with 0") {
  answer a;
  write_join::make(0, record(a));
  CHECK(a.calls == 1);
  REQUIRE(a.count);
  CHECK(*a.count == 0);
}
