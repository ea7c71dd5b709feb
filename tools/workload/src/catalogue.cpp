// The app catalogue, the app pools of each user type and region geography.
// Magnitudes follow what such apps use on cloud workstations: an IDE a few
// cores and several GiB, training jobs many cores, tens of GiB and 1-4 GPUs.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "model.hpp"
#include "prescient/workload/synthetic.hpp"

namespace prescient::workload::detail {

// name, cpu mc, mem MB, disk IOPS, net Mbit/s, spread, gpu min/max,
// median run minutes, persistent, batch
const app_spec apps[] = {
  {"mail", 300, 800, 20, 2, 0.4f, 0, 0, 240, true, false},
  {"calendar", 150, 400, 5, 1, 0.4f, 0, 0, 8, false, false},
  {"chat", 250, 700, 10, 3, 0.4f, 0, 0, 240, true, false},
  {"browser", 800, 2500, 30, 8, 0.5f, 0, 0, 30, false, false},
  {"docs", 400, 1200, 15, 2, 0.4f, 0, 0, 35, false, false},
  {"spreadsheet", 600, 1500, 20, 2, 0.5f, 0, 0, 30, false, false},
  {"slides", 500, 1400, 15, 2, 0.4f, 0, 0, 25, false, false},
  {"ide", 2500, 6000, 200, 5, 0.5f, 0, 0, 80, false, false},
  {"terminal", 300, 512, 50, 2, 0.4f, 0, 0, 40, false, false},
  {"git-client", 400, 700, 150, 10, 0.4f, 0, 0, 6, false, false},
  {"code-review", 500, 1500, 20, 5, 0.4f, 0, 0, 18, false, false},
  {"db-console", 700, 2048, 400, 10, 0.5f, 0, 0, 20, false, false},
  {"notebook", 2000, 8192, 150, 20, 0.6f, 0, 0, 60, false, false},
  {"data-explorer", 1500, 6144, 300, 30, 0.5f, 0, 0, 35, false, false},
  {"bi-dashboard", 800, 3072, 100, 15, 0.4f, 0, 0, 20, false, false},
  {"design-tool", 2000, 6144, 80, 10, 0.5f, 0, 0, 50, false, false},
  {"video-call", 1500, 1536, 10, 25, 0.3f, 0, 0, 30, false, false},
  {"vdi-desktop", 2000, 8192, 300, 20, 0.4f, 0, 0, 150, false, false},
  {"pdf-viewer", 200, 600, 10, 1, 0.3f, 0, 0, 8, false, false},
  {"build-runner", 8000, 16384, 2000, 100, 0.5f, 0, 0, 10, false, true},
  {"test-runner", 4000, 8192, 1500, 50, 0.5f, 0, 0, 8, false, true},
  {"ml-train", 8000, 49152, 1500, 200, 0.5f, 1, 4, 200, false, true},
  {"ml-inference", 4000, 16384, 300, 100, 0.4f, 1, 1, 45, false, true},
  {"render", 12000, 32768, 800, 50, 0.4f, 1, 2, 120, false, true},
  {"video-encode", 12000, 8192, 600, 80, 0.4f, 0, 0, 35, false, true},
  {"sim-batch", 14000, 24576, 500, 20, 0.4f, 0, 0, 90, false, true},
  {"etl-job", 3000, 12288, 3000, 300, 0.5f, 0, 0, 25, false, true},
  {"spark-job", 10000, 49152, 4000, 500, 0.5f, 0, 0, 45, false, true},
  {"game-launcher", 300, 800, 100, 30, 0.3f, 0, 0, 3, false, false},
  {"game-client", 6000, 12288, 300, 40, 0.4f, 1, 1, 100, false, false},
  {"voice-chat", 300, 400, 5, 2, 0.3f, 0, 0, 90, false, false},
  {"stream-studio", 4000, 6144, 100, 60, 0.4f, 1, 1, 80, false, false},
  {"game-server", 3000, 8192, 200, 150, 0.4f, 0, 0, 70, false, true},
  {"api-worker", 1500, 3072, 300, 150, 0.5f, 0, 0, 35, false, true},
  {"cron-job", 500, 1024, 100, 10, 0.4f, 0, 0, 3, false, true},
  {"backup-agent", 800, 2048, 5000, 400, 0.4f, 0, 0, 20, false, true},
  {"log-shipper", 400, 1024, 800, 80, 0.4f, 0, 0, 15, false, true},
  {"queue-consumer", 1200, 2048, 200, 60, 0.5f, 0, 0, 25, false, true},
  {"monitoring-agent", 250, 512, 50, 10, 0.3f, 0, 0, 12, false, true},
  {"db-replica", 4000, 32768, 8000, 300, 0.4f, 0, 0, 40, false, true},
  {"cad-viewer", 3000, 12288, 150, 15, 0.5f, 1, 1, 45, false, false},
};
const size_t app_count = sizeof(apps) / sizeof(apps[0]);

uint8_t app_index(std::string_view name) {
  for (size_t i = 0; i < app_count; ++i)
    if (name == apps[i].name)
      return static_cast<uint8_t>(i);
  std::abort();
}

namespace {

struct pool_storage {
  std::vector<uint8_t> apps;
  std::vector<uint8_t> burst;
  app_pool view;
};

pool_storage make_pool(std::initializer_list<const char*> names,
                       std::initializer_list<const char*> burst) {
  pool_storage p;
  for (auto n : names)
    p.apps.push_back(app_index(n));
  for (auto n : burst)
    p.burst.push_back(app_index(n));
  p.view = {p.apps.data(), static_cast<uint8_t>(p.apps.size()), p.burst.data(),
            static_cast<uint8_t>(p.burst.size())};
  return p;
}

} // namespace

const app_pool& pool_of(uint8_t type) {
  static const pool_storage pools[4] = {
    make_pool({"mail", "browser", "chat", "ide", "terminal", "docs",
               "spreadsheet", "video-call", "calendar", "git-client",
               "code-review", "notebook", "db-console", "slides",
               "data-explorer", "bi-dashboard", "vdi-desktop", "pdf-viewer",
               "design-tool", "cad-viewer", "build-runner", "test-runner"},
              {"build-runner", "test-runner", "etl-job"}),
    make_pool({"game-launcher", "game-client", "voice-chat", "browser", "chat",
               "stream-studio", "video-encode", "game-server", "video-call"},
              {"game-server", "video-encode"}),
    make_pool({"terminal", "notebook", "ml-train", "render", "sim-batch",
               "ml-inference", "data-explorer", "etl-job", "spark-job",
               "video-encode", "db-console", "ide"},
              {"sim-batch", "render", "ml-inference"}),
    make_pool({"cron-job", "api-worker", "queue-consumer", "etl-job",
               "log-shipper", "monitoring-agent", "backup-agent", "db-replica",
               "spark-job"},
              {"queue-consumer", "api-worker", "cron-job"}),
  };
  return pools[type & 3].view;
}

region_geo geo_of(std::string_view r, uint64_t seed) {
  auto starts = [&](const char* p) { return r.rfind(p, 0) == 0; };
  if (starts("eu-west")) return {0, 60, 53.35, -6.26};
  if (starts("eu-central")) return {60, 120, 50.11, 8.68};
  if (starts("eu-north")) return {60, 120, 59.33, 18.07};
  if (starts("eu-south")) return {60, 60, 45.46, 9.19};
  if (starts("eu")) return {60, 0, 50.85, 4.35};
  if (starts("us-east")) return {-300, -360, 38.95, -77.45};
  if (starts("us-central")) return {-360, -300, 41.88, -93.10};
  if (starts("us-west")) return {-480, -420, 45.60, -121.20};
  if (starts("us")) return {-360, -300, 39.10, -94.58};
  if (starts("ca")) return {-300, -480, 45.50, -73.57};
  if (starts("sa") || starts("south-america")) return {-180, -240, -23.55, -46.63};
  if (starts("ap-southeast")) return {480, 420, 1.35, 103.82};
  if (starts("ap-northeast")) return {540, 540, 35.68, 139.69};
  if (starts("ap-south")) return {330, 330, 19.08, 72.88};
  if (starts("ap") || starts("asia")) return {480, 540, 22.32, 114.17};
  if (starts("me")) return {240, 180, 25.20, 55.27};
  if (starts("af")) return {120, 60, -33.92, 18.42};
  if (starts("au")) return {600, 660, -33.87, 151.21};
  if (r == "local") return {0, 0, 52.52, 13.40};
  // Unknown name: somewhere stable, derived from the name.
  uint64_t h = seed;
  for (char c : r)
    h = hash(h, static_cast<unsigned char>(c));
  int tz = static_cast<int>(h % 24) * 60 - 11 * 60;
  return {tz, tz, -40 + 100 * unit(mix64(h + 1)), -180 + 360 * unit(mix64(h + 2))};
}

} // namespace prescient::workload::detail

namespace prescient::workload {

const std::vector<std::string>& app_catalogue() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (size_t i = 0; i < detail::app_count; ++i)
      out.emplace_back(detail::apps[i].name);
    return out;
  }();
  return names;
}

const char* to_string(user_type t) noexcept {
  switch (t) {
    case user_type::office: return "office";
    case user_type::gamer: return "gamer";
    case user_type::batch: return "batch";
    case user_type::service: return "service";
  }
  return "?";
}

} // namespace prescient::workload
