// A first use of the client: report a few events, ask for capacity, give it
// back. Usage: prescient-client-example [host:port]
#include <chrono>
#include <cstdio>

#include "prescient/client.hpp"

int main(int argc, char** argv) {
  using namespace prescient;
  client_options opts;
  if (argc > 1)
    opts.address = argv[1];
  client c(opts); // connects in the background

  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  try {
    for (int i = 0; i < 3; ++i) {
      usage_event e;
      e.tenant = "acme";
      e.user = "alice";
      e.device = "laptop-1";
      e.app = "notebook";
      e.kind = i == 0 ? event_kind::launch : event_kind::heartbeat;
      e.time_us = now_us + i * 1'000'000;
      e.usage.cpu_millicores = 1500;
      e.usage.memory_mb = 4096;
      c.submit(e); // buffered; sent in batches
    }
    c.flush(); // every event above is now durable on the node
    std::printf("acknowledged %llu events\n",
                static_cast<unsigned long long>(c.acknowledged()));

    resource_request r{"acme", "alice", "laptop-1", "notebook", "", now_us, {}};
    r.resources.cpu_millicores = 2000;
    r.resources.memory_mb = 8192;
    grant g = c.request(r);
    std::printf("granted %s in %s via %s (decided in %lld us)\n",
                g.instance.c_str(), g.data_center.c_str(), to_string(g.path),
                static_cast<long long>(g.decision_latency_us));
    c.release(r.tenant, r.user, g);
  } catch (const client_error& e) {
    std::fprintf(stderr, "error (%s): %s\n", to_string(e.kind()), e.what());
    return 1;
  }
  return 0;
}
