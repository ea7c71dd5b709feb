// Published models in RocksDB: exact round trip, reload after a restart,
// corrupt blobs reported and skipped, old versions pruned.
#include <catch2/catch.hpp>

#include "prescient/learned/model_persistence.hpp"
#include "runtime_fixture.hpp"

using namespace prescient::learned;
using namespace prescient::learned::test;

namespace {

model_snapshot trained(const std::string& tenant, uint64_t version) {
  std::vector<std::vector<step>> seqs(2);
  for (uint32_t i = 0; i < 40; ++i)
    for (auto& s : seqs)
      s.push_back({1 + i % 3, 10, 1, 4.0f, 0});
  auto m = next_app_model::train(seqs, 4, tiny_options(20), version);
  return snapshot_of(tenant, version, m, {"a", "b", "c"});
}

} // namespace

TEST_CASE("a published model round-trips through its blob", "[learned][persistence]") {
  auto m = trained("acme", 5);
  std::string err;
  auto back = decode_published(encode_published(*m), &err);
  REQUIRE(back);
  CHECK(back->tenant == "acme");
  CHECK(back->version == 5);
  CHECK(back->vocab->size() == 4);
  CHECK(back->vocab->name(2) == "b");
  CHECK(back->figures.learned_logloss == 0.5);
  std::vector<step> recent = {{1, 10, 0, 4.0f, 0}, {2, 10, 1, 4.0f, 0}};
  CHECK(back->model->predict(recent) == m->model->predict(recent));
}

TEST_CASE("bad blobs give nullptr and a reason, never an exception",
          "[learned][persistence]") {
  auto blob = encode_published(*trained("acme", 1));
  std::string err;
  CHECK(decode_published("", &err) == nullptr);
  CHECK_FALSE(err.empty());
  for (size_t at : {size_t{0}, size_t{9}, blob.size() / 2, blob.size() - 1}) {
    auto bad = blob;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    CHECK(decode_published(bad) == nullptr);
  }
  CHECK(decode_published(blob.substr(0, blob.size() - 3)) == nullptr);
}

TEST_CASE_METHOD(runtime_fixture, "restart reloads the newest good version per tenant",
                 "[learned][persistence]") {
  for (uint64_t v : {1, 2, 3, 4})
    REQUIRE_FALSE(persist_published(*db, *trained("acme", v), 3));
  REQUIRE_FALSE(persist_published(*db, *trained("beta", 7), 3));
  reopen();
  model_registry reg;
  auto report = reload_published(*db, reg);
  CHECK(report.problems.empty());
  CHECK(report.loaded == 2);
  CHECK(reg.current("acme")->version == 4);
  CHECK(reg.current("beta")->version == 7);
  CHECK(*db->models().last_version("acme") == 4);
  size_t stored = 0;
  REQUIRE_FALSE(db->models().scan([&](std::string_view t, uint64_t, std::string_view) {
    stored += t == "acme";
  }));
  CHECK(stored == 3);  // version 1 pruned
}

TEST_CASE_METHOD(runtime_fixture, "a corrupt newest blob is reported and skipped",
                 "[learned][persistence]") {
  REQUIRE_FALSE(persist_published(*db, *trained("acme", 1)));
  REQUIRE_FALSE(persist_published(*db, *trained("acme", 2)));
  {
    prescient::storage::write_batch b;
    auto blob = encode_published(*trained("acme", 2));
    blob[blob.size() / 3] ^= 0x11;
    db->models().put(b, "acme", 2, blob);
    db->models().put(b, "beta", 1, "garbage");
    REQUIRE_FALSE(db->write(b));
  }
  reopen();
  model_registry reg;
  auto report = reload_published(*db, reg);
  CHECK(report.loaded == 1);
  REQUIRE(report.problems.size() == 2);
  CHECK(report.problems[0].find("acme") != std::string::npos);
  CHECK(report.problems[1].find("beta") != std::string::npos);
  REQUIRE(reg.current("acme"));
  CHECK(reg.current("acme")->version == 1);
  CHECK(reg.current("beta") == nullptr);
}
