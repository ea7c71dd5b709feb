// prescient-load: drives a node with the synthetic workload through the
// client library — events in batches, and a real request()/release() for
// every request/close the workload's users make — with live progress and a
// closing report.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "prescient/client.hpp"
#include "prescient/workload/percentile.hpp"
#include "prescient/workload/synthetic.hpp"
#include "progress.hpp"
#include "request_worker.hpp"

using prescient::workload::percentile;

int main(int argc, char** argv) {
  CLI::App app{"prescient-load — drive a node with the synthetic workload"};
  std::string address = "127.0.0.1:7400";
  prescient::workload::workload_options wo;
  double days = 1;
  size_t batch = 1'000;
  size_t in_flight = 8;
  bool no_requests = false;
  bool json = false;
  std::string tenants = "demo";
  std::string token;
  if (const char* env = std::getenv("PRESCIENT_TOKEN"))
    token = env;
  app.add_option("--address", address, "node host:port");
  app.add_option("--token", token,
                 "log in with this token (default $PRESCIENT_TOKEN); a tenant token "
                 "sends only its own tenant's events");
  app.add_option("--users", wo.users, "synthetic users")->check(CLI::Range(10, 1'000'000));
  app.add_option("--days", days, "days of workload, ending now")
    ->check(CLI::Range(0.01, 29.0));
  app.add_option("--seed", wo.seed, "workload seed (same seed, same events)");
  app.add_option("--tenants", tenants, "comma-separated tenant ids");
  app.add_option("--batch", batch, "events per batch")->check(CLI::Range(1, 10'000));
  app.add_option("--in-flight", in_flight, "batches awaiting ack")->check(CLI::Range(1, 256));
  app.add_flag("--no-requests", no_requests, "send events only, no request()/release()");
  app.add_flag("--json", json, "print the report as JSON");
  CLI11_PARSE(app, argc, argv);

  wo.tenants.clear();
  std::stringstream ts(tenants);
  for (std::string t; std::getline(ts, t, ',');)
    if (!t.empty())
      wo.tenants.push_back(t);
  if (wo.tenants.empty()) {
    std::cerr << "prescient-load: --tenants names no tenant\n";
    return 2;
  }
  wo.duration_us = static_cast<int64_t>(days * 86'400e6);
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  wo.start_us = now - wo.duration_us - 60'000'000;

  try {
    prescient::client_options co;
    co.address = address;
    co.batch_size = batch;
    co.max_in_flight = in_flight;
    co.token = token;
    prescient::client c(co);
    prescient::workload::synthetic_workload gen(wo);
    prescient::load::progress bar(true);
    prescient::load::request_worker requests(c);
    prescient::usage_event e;
    uint64_t sent = 0;
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count();
    };
    while (gen.next(e)) {
      if (!no_requests) {
        if (e.kind == prescient::event_kind::request)
          requests.enqueue(gen.to_request(e));
        else if (e.kind == prescient::event_kind::close)
          requests.enqueue_close(e);
      }
      c.submit(e);
      if (++sent % 4096 == 0) {
        std::ostringstream d;
        d << sent << " events  " << std::fixed << std::setprecision(0)
          << double(c.acknowledged()) / std::max(elapsed(), 1e-3) << " acked/s";
        bar.update(double(gen.now_us() - wo.start_us) / double(wo.duration_us),
                   d.str());
      }
    }
    c.flush();
    auto ingest_s = elapsed();
    requests.finish();
    bar.update(1.0, std::to_string(sent) + " events, all acknowledged", true);
    bar.finish();
    auto t = requests.result();
    nlohmann::json r{{"events", sent},
                     {"acknowledged", c.acknowledged()},
                     {"users", gen.users()},
                     {"seconds", ingest_s},
                     {"events_per_s", double(sent) / ingest_s},
                     {"requests", t.requests},
                     {"granted", t.granted},
                     {"refused", t.refused},
                     {"released", t.released},
                     {"request_p50_us", percentile(t.latency_us, 0.50)},
                     {"request_p99_us", percentile(t.latency_us, 0.99)},
                     {"granted_warm", t.granted_warm},
                     {"granted_with_endpoint", t.with_endpoint},
                     {"provider_wait_p50_us", percentile(t.wait_us, 0.50)},
                     {"sample_user", prescient::workload::synthetic_workload::user_id(0)}};
    if (json) {
      std::cout << r.dump(2) << '\n';
    } else {
      std::cout << std::fixed << std::setprecision(0) << "events sent       " << sent
                << " (" << c.acknowledged() << " acknowledged as durable)\n"
                << "users             " << gen.users() << '\n'
                << "ingest            " << double(sent) / ingest_s << " events/s over "
                << std::setprecision(1) << ingest_s << " s\n"
                << "requests          " << t.requests << " (" << t.granted
                << " granted, " << t.refused << " refused, " << t.released
                << " released)\n"
                << std::setprecision(0) << "request latency   p50 "
                << percentile(t.latency_us, 0.5) << " µs, p99 "
                << percentile(t.latency_us, 0.99) << " µs (client side)\n"
                << "grants            " << t.granted_warm << " warm, " << t.with_endpoint
                << " with an endpoint, provider wait p50 "
                << percentile(t.wait_us, 0.5) << " µs\n"
                << "sample user       " << wo.tenants.front() << '/'
                << prescient::workload::synthetic_workload::user_id(0) << '\n';
    }
    return 0;
  } catch (const std::exception& ex) {
    std::cerr << "prescient-load: " << ex.what() << '\n';
    return 1;
  }
}
