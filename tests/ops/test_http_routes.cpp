// The wiring docs/operations.md gives the daemon, run for real: the three routes on an
// api_router served by net::http::api_server on 127.0.0.1, fetched over a TCP socket.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "lapord/app/ops/health.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/net/http/api_router.hpp"
#include "lapord/net/http/api_server.hpp"

namespace ops = lapord::app::ops;
using namespace lapord::net::http;

namespace {

// One request on a fresh connection ("Connection: close"), the whole answer back; every wait
// is bounded by poll with a 5 s deadline.
std::string fetch(std::uint16_t port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    REQUIRE(left.count() > 0);
    pollfd p{fd, POLLIN, 0};
    REQUIRE(poll(&p, 1, static_cast<int>(left.count())) == 1);
    char buf[8192];
    const auto n = recv(fd, buf, sizeof buf, 0);
    REQUIRE(n >= 0);
    if (n == 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return answer;
}

std::string body_of(const std::string& answer) {
  const auto p = answer.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : answer.substr(p + 4);
}

}  // namespace

TEST_CASE("ops over HTTP: /metrics, /healthz and /readyz as the daemon wires them") {
  ops::lapord_metrics metrics;
  ops::health_state health;
  health.set_carriers_configured(1);

  api_router router{bearer_token("s3cret")};
  router.add("GET", "/metrics", route_access::public_route, [&](api_request, api_reply reply) {
    reply({200, std::string(ops::registry::content_type), metrics.registry.write_text(), {}});
  });
  router.add("GET", "/healthz", route_access::public_route, [&](api_request, api_reply reply) {
    auto a = ops::liveness(health.facts());
    reply({a.status, std::string(ops::health_content_type), std::move(a.body), {}});
  });
  router.add("GET", "/readyz", route_access::public_route, [&](api_request, api_reply reply) {
    auto a = ops::readiness(health.facts());
    reply({a.status, std::string(ops::health_content_type), std::move(a.body), {}});
  });

  boost::asio::io_context io;
  api_settings settings;
  settings.listen = "127.0.0.1:0";
  settings.token = "s3cret";
  api_server server(io.get_executor(), settings, router);
  server.start();
  auto guard = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });

  metrics.mo_received.inc({"tsel"}, 3);
  metrics.store_commit_seconds.observe(0.004);
  auto scrape = fetch(server.port(), "/metrics");
  CHECK(scrape.starts_with("HTTP/1.1 200"));
  CHECK(scrape.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") !=
        std::string::npos);
  auto body = body_of(scrape);
  CHECK(body == metrics.registry.write_text());
  CHECK(body.find("\nlapord_mo_received_total{carrier=\"tsel\"} 3\n") != std::string::npos);
  CHECK(body.find("\nlapord_store_commit_seconds_count 1\n") != std::string::npos);

  // More traffic shows in the next scrape.
  metrics.mo_received.inc({"tsel"});
  CHECK(body_of(fetch(server.port(), "/metrics"))
            .find("\nlapord_mo_received_total{carrier=\"tsel\"} 4\n") != std::string::npos);

  auto ready = fetch(server.port(), "/readyz");
  CHECK(ready.starts_with("HTTP/1.1 503"));
  CHECK(body_of(ready) ==
        "not ready\ncarriers: 0 of 1 bound (none: no MO can arrive)\nstore: not open\n");

  health.store_opened(true);
  health.bind_changed("tsel", true);
  ready = fetch(server.port(), "/readyz");
  CHECK(ready.starts_with("HTTP/1.1 200"));
  CHECK(ready.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
  CHECK(body_of(ready) == "ready\ncarriers: 1 of 1 bound\nstore: ok\n");

  const auto live = fetch(server.port(), "/healthz");
  CHECK(live.starts_with("HTTP/1.1 200"));
  CHECK(body_of(live) == "ok\n");

  server.stop();
  guard.reset();
  runner.join();
}
