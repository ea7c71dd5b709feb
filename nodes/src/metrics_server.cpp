// kj's own HTTP server (libkj-http, shipped with Debian's Cap'n Proto 0.9)
// rather than a hand-written one: it already parses requests strictly (a
// malformed request line or header answers 400), bounds the header block
// (one past kj's fixed buffer closes the connection), times out slow
// clients (headerTimeout), handles keep-alive and pipelining, and runs on a
// kj event loop like the RPC gateway. We only route and render.
#include "metrics_server.hpp"

#include <kj/async-io.h>
#include <kj/compat/http.h>

namespace prescient::node {

namespace {

// Sends a complete plain-text response; `table` only needs to outlive the
// call (kj copies the headers out in send()).
kj::Promise<void> send_text(kj::HttpService::Response& response,
                            const kj::HttpHeaderTable& table, unsigned code,
                            kj::StringPtr status, std::string text) {
  kj::HttpHeaders headers(table);
  headers.set(kj::HttpHeaderId::CONTENT_TYPE,
              code == 200 ? "text/plain; version=0.0.4; charset=utf-8"
                          : "text/plain; charset=utf-8");
  if (code == 405)
    headers.add("Allow", "GET");
  auto body = kj::heapString(text.data(), text.size());
  auto stream = response.send(code, status, headers, body.size());
  auto written = stream->write(body.begin(), body.size());
  return written.attach(kj::mv(stream), kj::mv(body));
}

class metrics_service final : public kj::HttpService {
public:
  metrics_service(const metrics_sources& src, kj::Timer& timer,
                  const kj::HttpHeaderTable& table)
    : src_(src), timer_(timer), table_(table) {
  }

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders&, kj::AsyncInputStream&,
                            Response& response) override {
    std::string path(url.cStr());
    path = path.substr(0, path.find('?')); // a query string changes nothing
    if (path != "/metrics")
      return send(response, 404, "Not Found", "not found; try GET /metrics\n");
    if (method != kj::HttpMethod::GET)
      return send(response, 405, "Method Not Allowed", "only GET is allowed\n");
    auto timeout = src_.timeout.count() * kj::MILLISECONDS;
    return timer_.timeoutAfter(timeout, gather_metrics(src_))
      .then(
        [this, &response](metrics_snapshot s) {
          return send(response, 200, "OK", render_prometheus(s));
        },
        [this, &response](kj::Exception&& e) {
          return send(response, 503, "Service Unavailable",
                      std::string("metrics unavailable: ") + e.getDescription().cStr()
                        + '\n');
        });
  }

private:
  kj::Promise<void> send(Response& response, unsigned code, kj::StringPtr status,
                         std::string text) {
    return send_text(response, table_, code, status, std::move(text));
  }

  const metrics_sources& src_;
  kj::Timer& timer_;
  const kj::HttpHeaderTable& table_;
};

// kj answers an unknown method token with 501; for this endpoint every
// request kj cannot parse is simply malformed: 400 with kj's public reason.
class bad_request_handler final : public kj::HttpServerErrorHandler {
public:
  kj::Promise<void> handleClientProtocolError(kj::HttpHeaders::ProtocolError error,
                                              kj::HttpService::Response& response) override {
    kj::HttpHeaderTable table;
    return send_text(response, table, 400, "Bad Request",
                     std::string("bad request: ") + error.description.cStr() + '\n');
  }
};

} // namespace

metrics_server::metrics_server(metrics_sources src, const listen_address& where)
  : src_(std::move(src)) {
  server_ = std::make_unique<server_thread>(
    where, "key 'node.metrics_listen': cannot serve metrics on ",
    [this](kj::AsyncIoContext& io, kj::Own<kj::ConnectionReceiver> listener,
           kj::Promise<void> stop) {
      auto& timer = io.provider->getTimer();
      kj::HttpHeaderTable table;
      metrics_service service(src_, timer, table);
      bad_request_handler errors;
      kj::HttpServerSettings settings;
      settings.errorHandler = errors;
      settings.headerTimeout = 5 * kj::SECONDS; // a stalled client holds nothing long
      settings.pipelineTimeout = 5 * kj::SECONDS;
      kj::HttpServer server(timer, table, service, settings);
      stop.exclusiveJoin(server.listenHttp(*listener)).wait(io.waitScope);
    });
}

metrics_server::~metrics_server() {
  stop();
}

void metrics_server::stop() {
  server_->stop();
}

} // namespace prescient::node
