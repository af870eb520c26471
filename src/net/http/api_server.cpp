// The Beast shell of the gateway's HTTP API: one coroutine per connection on one strand, reading
// requests within limits and answering with what the router says.
#include "lapord/net/http/api_server.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "lapord/net/http/api_request_reader.hpp"
#include "lapord/net/http/tcp_listener.hpp"

namespace lapord::net::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);

// Every buffer of a connection is bounded before any token is checked: [api] may face the
// network. The header (request line + fields), then the read buffer (a header, or one chunk-size
// line with its extensions, or a trailer); the body by api_settings::body_limit.
constexpr std::size_t header_limit = 8 * 1024;
constexpr std::size_t read_buffer_limit = 16 * 1024;
// After an error answer: what is read and thrown away before closing (see linger()).
constexpr std::size_t linger_bytes = 1024 * 1024;
constexpr auto linger_time = std::chrono::seconds(2);

tcp::endpoint parse_listen(const std::string& listen) {
  const auto fail = [&](const char* why) {
    throw std::invalid_argument("api listen \"" + listen + "\": " + why);
  };
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find("]:");
    if (close == std::string::npos) fail("expected [address]:port");
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) fail("expected address:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    fail("the port must be 0-65535");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) fail("the address must be an IP address (e.g. 127.0.0.1)");
  return {address, static_cast<unsigned short>(std::stoi(port))};
}

bhttp::response<bhttp::string_body> to_response(api_answer a, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(a.status), version};
  res.set(bhttp::field::content_type, a.content_type);
  res.set(bhttp::field::cache_control, "no-store");
  for (auto& [name, value] : a.headers)
    res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(a.body);
  res.prepare_payload();
  return res;
}

}  // namespace

struct api_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, api_settings s, api_router& r)
      : strand(asio::make_strand(ex)), settings(std::move(s)), router(r), acceptor(strand) {}

  asio::strand<asio::any_io_executor> strand;
  api_settings settings;
  api_router& router;
  tcp::acceptor acceptor;
  std::atomic<std::uint16_t> bound_port{0};
  bool stopped = false;
  std::unordered_set<beast::tcp_stream*> sessions;

  // What the router answers, or 503 when nobody answers within the request timeout (the late
  // answer is then dropped; the store may retry and gets "duplicate" if it was applied).
  awaitable<api_answer> route(api_request request) {
    struct pending {
      explicit pending(asio::strand<asio::any_io_executor> s) : timer(std::move(s)) {}
      asio::steady_timer timer;
      std::optional<api_answer> answer;
      bool expired = false;
    };
    auto p = std::make_shared<pending>(strand);
    p->timer.expires_after(settings.request_timeout);
    router.handle(std::move(request), [p, s = strand](api_answer a) {
      asio::post(s, [p, a = std::move(a)]() mutable {
        if (p->answer || p->expired) return;
        p->answer = std::move(a);
        p->timer.cancel();
      });
    });
    if (!p->answer) co_await p->timer.async_wait(no_throw);
    if (!p->answer) {
      p->expired = true;
      auto a = error_answer(503, "timeout", "no answer from the gateway's store in time");
      a.headers.emplace_back("Retry-After", "1");
      co_return a;
    }
    co_return std::move(*p->answer);
  }

  // The request could not be read whole (too big, malformed): say why, then close, as the
  // stream is out of step.
  awaitable<void> refuse(beast::tcp_stream& stream, const beast::error_code& ec) {
    auto res = to_response(refusal(ec), 11, false);
    stream.expires_after(settings.request_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, res, no_throw);
    if (!wec) co_await linger(stream);
  }

  api_answer refusal(const beast::error_code& ec) const {
    if (ec == bhttp::error::body_limit) {
      return error_answer(
          413, "body_too_large",
          "the body is larger than " + std::to_string(settings.body_limit) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return error_answer(
          400, "header_too_large",
          "the request header is larger than " + std::to_string(header_limit) + " bytes");
    }
    if (ec == bhttp::error::buffer_overflow) {
      return error_answer(400, "line_too_long",
                          "a line of the request (chunk size and extensions, or a trailer) is "
                          "longer than " +
                              std::to_string(read_buffer_limit) + " bytes");
    }
    return error_answer(400, "bad_request", "malformed HTTP request: " + ec.message());
  }

  // After an error answer the peer may still be sending (a huge body, an endless line). Closing
  // with unread data would reset the connection and could destroy the answer before the peer
  // reads it, so read and discard for a little while, bounded in bytes and time, into a fixed
  // buffer: memory stays flat whatever the peer sends.
  static awaitable<void> linger(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 4096> sink{};
    std::size_t discarded = 0;
    stream.expires_after(linger_time);
    while (discarded < linger_bytes) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), no_throw);
      if (ec) break;
      discarded += n;
    }
  }

  awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    sessions.insert(&stream);
    // Bounded: Beast copies a body out as it parses, so this holds at most one header, one
    // chunk-size line (with its extensions) or trailer, and what a client pipelined. A line
    // that does not fit is buffer_overflow rather than unbounded growth (issue 12, item 6).
    beast::flat_buffer buffer(read_buffer_limit);
    while (!stopped) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(header_limit);
      parser.body_limit(settings.body_limit);
      // The whole request must arrive within this (a slow-loris peer is cut off); it is also
      // the idle keep-alive limit.
      stream.expires_after(settings.request_timeout);
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, no_throw);
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::error::eof) {
        break;
      }
      if (ec) {
        co_await refuse(stream, ec);
        break;
      }
      auto req = parser.release();
      api_request r = to_api_request(req);
      const bool keep_alive = req.keep_alive();
      const std::string path = r.path;
      auto answer = co_await route(std::move(r));
      // A 503 from /readyz is its answer ("not ready"), polled by load balancers: not logged.
      if (answer.status >= 500 && !(answer.status == 503 && path == "/readyz")) {
        spdlog::warn("api: {} {} answered {}", std::string(req.method_string()), path,
                     answer.status);
      }
      auto res = to_response(std::move(answer), req.version(), keep_alive && !stopped);
      stream.expires_after(settings.request_timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream, res, no_throw);
      if (wec || !res.keep_alive()) break;
    }
    sessions.erase(&stream);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
  }

  awaitable<void> accept_loop() {
    while (!stopped) {
      auto [ec, socket] = co_await acceptor.async_accept(no_throw);
      if (ec) {
        if (ec == asio::error::operation_aborted || stopped) break;
        spdlog::warn("api: accept failed: {}", ec.message());
        continue;
      }
      if (sessions.size() >= settings.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the limit: refuse at once rather than queue
        continue;
      }
      // The completion holds the impl alive for as long as the session runs.
      asio::co_spawn(strand, session(std::move(socket)),
                     [self = shared_from_this()](const std::exception_ptr&) {});
    }
  }
};

api_server::api_server(boost::asio::any_io_executor executor, api_settings settings,
                       api_router& router)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(settings), router)) {}

api_server::~api_server() {
  stop();
}

void api_server::start() {
  const auto endpoint = parse_listen(impl_->settings.listen);
  impl_->bound_port = listen_on(impl_->acceptor, endpoint);  // throws: e.g. in use
  asio::co_spawn(impl_->strand, impl_->accept_loop(), [self = impl_](const std::exception_ptr&) {});
}

std::uint16_t api_server::port() const {
  return impl_->bound_port;
}

void api_server::stop() {
  asio::post(impl_->strand, [i = impl_] {
    if (i->stopped) return;
    i->stopped = true;
    close_listener(i->acceptor, i->sessions);
  });
}

}  // namespace lapord::net::http
