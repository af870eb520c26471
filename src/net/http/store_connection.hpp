#pragma once
// One keep-alive connection of the forwarder's pool (plain TCP or TLS over TCP), with what one
// request costs kept small: the request's bytes are written into a buffer the connection
// keeps (the fixed header lines built once), and the per-request deadline is a time the
// connection's watchdog checks, not a timer armed and cancelled per read and write. With
// beast::tcp_stream and a beast::http::request, a complaint cost ~70k instructions of HTTP
// (docs/benchmarks.md, "netcpu"). Private to src/net/http; everything runs on the forwarder's
// strand.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <atomic>
#include <cstdint>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "lapord/net/http/store_answer.hpp"

namespace lapord::net::http {

struct store_connection {
  using tcp = boost::asio::ip::tcp;
  using clock = std::chrono::steady_clock;

  explicit store_connection(const boost::asio::any_io_executor& ex)
      : watchdog(ex, clock::time_point::max()) {}

  std::optional<tcp::socket> plain;
  std::optional<boost::asio::ssl::stream<tcp::socket>> secure;
  // An answer bigger than this is a broken store, not a complaint's receipt.
  static constexpr std::uint64_t answer_limit = 1024 * 1024;

  // The store's answers; keeps its capacity. Reads are made only while an answer is incomplete,
  // so it holds at most one answer (header limit + answer_limit) and one read (64 KiB) more;
  // the bound makes a read beyond that a buffer_overflow error.
  boost::beast::flat_buffer buffer{2 * answer_limit};
  std::string request;  // the requests being sent (at most `pipeline`); keeps its capacity

  // The watchdog (forwarder::impl::watch) sleeps until `deadline` while a step (connect, TLS,
  // one request and its answer) is in progress, and closes the socket if it is still in
  // progress then. Steps only move the deadline later, so it wakes about once per timeout,
  // not once per request; idle, it sleeps until begin() wakes it.
  boost::asio::steady_timer watchdog;
  clock::time_point deadline = clock::time_point::max();
  bool busy = false;           // a step is in progress
  bool watchdog_idle = false;  // the watchdog sleeps without a deadline
  bool timed_out = false;      // the watchdog ended the last step
  bool finished = false;       // the worker is done: the watchdog ends

  [[nodiscard]] bool is_open() const { return plain.has_value() || secure.has_value(); }
  tcp::socket& lowest() { return plain ? *plain : secure->next_layer(); }

  void begin(std::chrono::milliseconds timeout) {
    deadline = clock::now() + timeout;
    busy = true;
    timed_out = false;
    if (watchdog_idle) {
      watchdog_idle = false;
      watchdog.cancel();
    }
  }
  void end() { busy = false; }

  // The deadline passed: the operation in progress ends with an error (operation_aborted);
  // the stream objects stay until close(), as the operation still refers to them.
  void abort() {
    timed_out = true;
    busy = false;
    if (is_open()) {
      boost::system::error_code ignored;
      lowest().close(ignored);
    }
  }

  void close() {
    if (is_open()) {
      boost::system::error_code ignored;
      lowest().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().close(ignored);
    }
    plain.reset();
    secure.reset();
    buffer.clear();
  }
};

// The header lines every request to the store carries, in the order beast::http wrote them:
// "POST target HTTP/1.1", Host, Content-Type, Authorization.
// A client TLS context as the forwarder wants it, made in `tls`: TLS 1.2 or later; the peer
// verified against `ca_file` (empty: the system's CAs) unless `verify` is false. Throws when
// ca_file is unreadable, with the reason, or when OpenSSL cannot be loaded (net/tls).
void make_store_tls(std::optional<boost::asio::ssl::context>& tls, bool verify,
                    const std::string& ca_file);

std::string store_request_prefix(std::string_view target, std::string_view host_header,
                                 std::string_view token);

// How a worker reaches the store: connect (resolving a host name), TCP_NODELAY, non-blocking,
// then TLS when `tls` is set, all under one deadline of `timeout` (c.begin). False, with the
// connection closed, when any step fails or the watchdog ends it.
struct store_dial {
  boost::asio::any_io_executor strand;
  std::string host, port, host_header;  // from the store's url
  boost::asio::ssl::context* tls = nullptr;
  bool tls_verify = true;
  std::chrono::milliseconds timeout{};
  std::atomic<std::uint64_t>* connects = nullptr;  // counted per connection attempt
};
boost::asio::awaitable<bool> connect_store(store_connection& c, const store_dial& d);

// What a failed write or read on `c` means for the requests on it ("timeout", "connection: ...").
[[nodiscard]] forward_outcome transport_failure(const store_connection& c,
                                                const boost::system::error_code& ec);
// The store closed the connection quietly (end of stream, reset): on a kept-alive connection,
// before any answer byte came, it had not read the requests.
[[nodiscard]] bool quiet_close(const boost::system::error_code& ec);

// Appends to `out` the prefix, Idempotency-Key, User-Agent, Content-Length, the empty line and
// the body: the bytes beast::http::request::prepare_payload and its serializer wrote. Appended:
// pipelined requests go in one write.
void append_store_request(std::string& out, std::string_view prefix, std::string_view ref,
                          std::string_view user_agent, std::string_view body);

}  // namespace lapord::net::http
