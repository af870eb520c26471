// The callback API served by api_server on a real loopback socket, spoken to in raw HTTP/1.1 so
// that malformed requests can be sent too. The store behind it is the in-memory fake.
#include <future>
#include <thread>

#include <doctest/doctest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "lapord/net/http/api_server.hpp"
#include "lapord/net/http/complaint_api.hpp"
#include "net/http/fake_complaint_events.hpp"

using namespace lapord::net::http;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr const char* token = "cb-token";
constexpr const char* event =
    R"({"status":"responded","at":"2026-11-30T08:00:00Z","message":"ok"})";

// Holds the answer of a chosen call back forever: the store never answering.
class silent_events : public test::fake_complaint_events {
 public:
  void add_event(std::string ref, complaint_event e,
                 std::function<void(event_result)> done) override {
    if (ref == "silent") {
      held_.push_back(std::move(done));
      return;
    }
    fake_complaint_events::add_event(std::move(ref), std::move(e), std::move(done));
  }

 private:
  std::vector<std::function<void(event_result)>> held_;
};

struct server_rig {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  silent_events events;
  api_router router{bearer_token(token)};
  std::optional<api_server> server;
  std::thread runner;

  explicit server_rig(api_settings s = {}) {
    s.listen = "127.0.0.1:0";
    add_complaint_routes(router, events);
    router.add("GET", "/healthz", route_access::public_route,
               [](const api_request&, const api_reply& reply) {
                 api_answer a;
                 a.content_type = "text/plain";
                 a.body = "ok\n";
                 reply(std::move(a));
               });
    events.add_complaint("48219375", R"({"ref":"48219375"})");
    events.add_complaint("silent");
    server.emplace(io.get_executor(), s, router);
    server->start();
    runner = std::thread([this] { io.run(); });
  }
  ~server_rig() {
    server->stop();
    guard.reset();
    runner.join();
  }

  // Sends raw bytes, reads until the server closes the connection.
  [[nodiscard]] std::string exchange(const std::string& raw) const {
    asio::io_context client;
    asio::ip::tcp::socket s(client);
    s.connect({asio::ip::make_address("127.0.0.1"), server->port()});
    boost::system::error_code ec;
    asio::write(s, asio::buffer(raw), ec);  // a server refusing early may reset the rest
    s.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    std::string out;
    asio::read(s, asio::dynamic_buffer(out), ec);
    return out;
  }
};

std::string request(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& auth = std::string("Bearer ") + token, bool close = true) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!auth.empty()) r += "Authorization: " + auth + "\r\n";
  if (!body.empty()) {
    r +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (close) r += "Connection: close\r\n";
  return r + "\r\n" + body;
}

int status_of(const std::string& response) {
  if (response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("api server: an event applied (201), posted again (200 duplicate), seen by GET") {
  server_rig r;
  auto a = r.exchange(request("POST", "/v1/complaints/48219375/events", event));
  CHECK(status_of(a) == 201);
  CHECK(has(a, R"("result":"applied")"));
  CHECK(has(a, "Content-Type: application/json"));
  a = r.exchange(request("POST", "/v1/complaints/48219375/events", event));
  CHECK(status_of(a) == 200);
  CHECK(has(a, R"("result":"duplicate")"));
  a = r.exchange(request("GET", "/v1/complaints/48219375", ""));
  CHECK(status_of(a) == 200);
  CHECK(has(a, R"("status":"responded")"));
  CHECK(r.events.events_of("48219375") == 1);
}

TEST_CASE("api server: bad token 401, bad JSON 400, unknown status 400, unknown ref 404") {
  server_rig r;
  auto a = r.exchange(request("POST", "/v1/complaints/48219375/events", event, "Bearer nope"));
  CHECK(status_of(a) == 401);
  CHECK(has(a, "WWW-Authenticate: Bearer"));
  CHECK(has(a, R"("error":"unauthorized")"));
  a = r.exchange(request("POST", "/v1/complaints/48219375/events", event, ""));
  CHECK(status_of(a) == 401);
  a = r.exchange(request("POST", "/v1/complaints/48219375/events", R"({"status":)"));
  CHECK(status_of(a) == 400);
  CHECK(has(a, R"("error":"malformed_json")"));
  a = r.exchange(request("POST", "/v1/complaints/48219375/events",
                         R"({"status":"lost","at":"2026-11-30T08:00:00Z"})"));
  CHECK(status_of(a) == 400);
  CHECK(has(a, R"("error":"unknown_status")"));
  a = r.exchange(request("POST", "/v1/complaints/11111111/events", event));
  CHECK(status_of(a) == 404);
  CHECK(has(a, R"("error":"unknown_ref")"));
  CHECK(r.events.events_of("48219375") == 0);
}

TEST_CASE("api server: a body over the limit is 413, broken HTTP is 400") {
  api_settings s;
  s.body_limit = 1024;
  server_rig r(s);
  auto a = r.exchange(request("POST", "/v1/complaints/48219375/events",
                              R"({"status":"closed","at":"2026-11-30T08:00:00Z","message":")" +
                                  std::string(2000, 'x') + "\"}"));
  CHECK(status_of(a) == 413);
  CHECK(has(a, R"("error":"body_too_large")"));
  a = r.exchange("GARBAGE\r\n\r\n");
  CHECK(status_of(a) == 400);
  CHECK(has(a, R"("error":"bad_request")"));
  CHECK(r.events.events_of("48219375") == 0);
}

TEST_CASE("api server: an endless chunk line or a big header is 400 before any token check") {
  server_rig r;
  // 100 KiB of chunk extension and no CRLF: more than the 16 KiB read buffer holds.
  const std::string chunked =
      "POST /v1/complaints/48219375/events HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n10;ext=" +
      std::string(100 * 1024, 'a');
  auto a = r.exchange(chunked);
  CHECK(status_of(a) == 400);
  CHECK(has(a, R"("error":"line_too_long")"));
  a = r.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(20000, 'b') +
                 "\r\n\r\n");
  CHECK(status_of(a) == 400);
  CHECK(has(a, R"("error":"header_too_large")"));
  // A chunked body over body_limit (16 KiB by default) in 4 KiB chunks.
  std::string big =
      "POST /v1/complaints/48219375/events HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 8; ++i)
    big += "1000\r\n" + std::string(4096, ' ') + "\r\n";
  a = r.exchange(big);
  CHECK(status_of(a) == 413);
  CHECK(status_of(r.exchange(request("GET", "/healthz", "", ""))) == 200);
  CHECK(r.events.events_of("48219375") == 0);
}

TEST_CASE("api server: keep-alive serves pipelined requests on one connection, in order") {
  server_rig r;
  const auto a = r.exchange(request("GET", "/healthz", "", "", false) +
                            request("POST", "/v1/complaints/48219375/events", event,
                                    std::string("Bearer ") + token, false) +
                            request("GET", "/v1/complaints/48219375", ""));
  const auto first = a.find("HTTP/1.1 200");
  const auto second = a.find("HTTP/1.1 201");
  const auto third = a.find("HTTP/1.1 200", second);
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(third != std::string::npos);
  CHECK(first < second);
}

TEST_CASE("api server: the store not answering in time is 503 with Retry-After") {
  api_settings s;
  s.request_timeout = 300ms;
  server_rig r(s);
  const auto a = r.exchange(request("POST", "/v1/complaints/silent/events", event));
  CHECK(status_of(a) == 503);
  CHECK(has(a, "Retry-After: 1"));
}

TEST_CASE("api server: listen addresses are checked") {
  asio::io_context io;
  test::fake_complaint_events events;
  api_router router{bearer_token(token)};
  for (const char* bad : {"localhost:80", "127.0.0.1", "127.0.0.1:99999", "[::1:80", ""}) {
    CAPTURE(bad);
    api_settings s;
    s.listen = bad;
    api_server server(io.get_executor(), s, router);
    CHECK_THROWS_AS(server.start(), std::invalid_argument);
  }
  api_settings s;
  s.listen = "127.0.0.1:0";
  api_server first(io.get_executor(), s, router);
  first.start();
  s.listen = "127.0.0.1:" + std::to_string(first.port());
  api_server second(io.get_executor(), s, router);
  CHECK_THROWS_AS(second.start(), boost::system::system_error);
}
