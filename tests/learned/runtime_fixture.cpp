#include "runtime_fixture.hpp"

#include "prescient/storage/chunk.hpp"

namespace prescient::learned::test {

void runtime_fixture::write_launches(
  const std::string& tenant, const std::string& user,
  const std::vector<std::pair<double, std::string>>& launches, const std::string& device,
  uint64_t session) {
  storage::write_batch batch;
  std::unique_ptr<storage::chunk_builder> b;
  auto put = [&] {
    if (b)
      db->series().put(batch, {tenant, user, device, b->bucket_start_us(), 0}, *b);
  };
  for (auto& [t, app] : launches) {
    usage_event e;
    e.tenant = tenant;
    e.user = user;
    e.device = device;
    e.app = app;
    e.kind = event_kind::launch;
    e.time_us = static_cast<int64_t>(t * 1e6);
    e.session = session;
    if (!b || !b->accepts(e.time_us)) {
      put();
      b = std::make_unique<storage::chunk_builder>(e.time_us);
    }
    b->append(e);
  }
  put();
  if (auto err = db->write(batch))
    throw std::runtime_error(caf::to_string(err));
}

train_options tiny_options(size_t max_steps) {
  train_options o;
  o.embed = 8;
  o.context_embed = 4;
  o.hidden = 16;
  o.window = 8;
  o.pointer_window = 16;
  o.batch = 16;
  o.epochs = 1000;
  o.max_steps = max_steps;
  o.lr = 1e-2;
  o.threads = 1;
  return o;
}

std::shared_ptr<const next_app_model> blank_model(uint64_t version) {
  return next_app_model::train({}, 4, tiny_options(1), version);
}

model_snapshot snapshot_of(const std::string& tenant, uint64_t version,
                           std::shared_ptr<const next_app_model> model,
                           const std::vector<std::string>& apps) {
  auto m = std::make_shared<published_model>();
  m->tenant = tenant;
  m->version = version;
  m->model = std::move(model);
  vocabulary v;
  for (auto& a : apps)
    v.add(a);
  m->vocab = std::make_shared<const vocabulary>(std::move(v));
  m->figures.predictions = 10;
  m->figures.learned_logloss = 0.5;
  m->trained_at_us = 1;
  return m;
}

std::vector<std::pair<double, std::string>> long_range_pattern(size_t user, size_t n) {
  static const char* const third[] = {"c", "d", "e"};
  std::vector<std::pair<double, std::string>> out;
  double t = 1.7e9 + double(user) * 7;
  for (size_t i = 0; i < n; ++i) {
    size_t k = (i + user) % 9;  // a b c a b d a b e
    std::string app = k % 3 == 0 ? "a" : k % 3 == 1 ? "b" : third[k / 3];
    t += 50 + double((i * 37 + user * 11) % 23);  // irregular gaps: no clock to read
    out.emplace_back(t, app);
  }
  return out;
}

} // namespace prescient::learned::test
