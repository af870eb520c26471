#pragma once
// What bind_link's two translation units share: one connection's state (the socket, the
// session, the buffers and timers its coroutines wait on) and a few helpers. Private to
// src/net/carrier.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/carrier/bind_link.hpp"

namespace lapord::net {
namespace bind_detail {

using steady = std::chrono::steady_clock;
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Back-pressure: with more than this many bytes waiting to be written the bind stops reading
// (an SMSC flooding enquire_link without reading the answers cannot grow lapord).
inline constexpr std::size_t max_output_bytes = 64 * 1024;

inline std::string_view role_name(bind_role role) {
  switch (role) {
    case bind_role::transceiver:
      return "transceiver";
    case bind_role::transmitter:
      return "transmitter";
    case bind_role::receiver:
      return "receiver";
  }
  return "?";
}

inline double seconds(std::chrono::milliseconds ms) {
  return static_cast<double>(ms.count()) / 1000.0;
}

}  // namespace bind_detail

struct bind_link::connection {
  // `tls_context` is null for a carrier without TLS: no OpenSSL object is made for it (an
  // SSL_CTX or SSL initialises OpenSSL, ~3 MB resident; docs/benchmarks.md).
  connection(asio::io_context& io, asio::ssl::context* tls_context,
             const smpp::session_config& config, std::uint64_t number)
      : socket(io),
        session(config),
        wake(io, bind_detail::steady::time_point::max()),
        timer(io, bind_detail::steady::time_point::max()),
        pump_timer(io, bind_detail::steady::time_point::max()),
        read_wake(io, bind_detail::steady::time_point::max()),
        epoch(number) {
    if (tls_context != nullptr) secure.emplace(socket, *tls_context);
  }

  asio::ip::tcp::socket socket;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket&>> secure;  // over `socket`, with TLS
  bool tls() const noexcept { return secure.has_value(); }
  smpp::session session;
  std::vector<std::uint8_t> out;  // bytes the session asked to send, not yet written
  // apply()'s action list between calls: it and the session's trade places (take_actions), so
  // neither is allocated per PDU.
  std::vector<smpp::session_action> spare_actions;
  asio::steady_timer wake;        // the writer sleeps here; cancel() wakes it
  asio::steady_timer timer;       // the session's one timer
  asio::steady_timer pump_timer;  // the submit pump sleeps here; cancel() wakes it
  asio::steady_timer read_wake;   // the reader waits here while the read gate is shut
  read_gate gate{bind_detail::max_output_bytes, std::chrono::milliseconds(10'000)};
  std::size_t writing = 0;      // bytes of the write in progress
  bool reader_waiting = false;  // the reader waits for the read gate
  bool pump_woken = false;      // the pump's wait was ended and it has not run since
  std::uint64_t epoch;
  std::optional<std::error_code> close_reason;  // the first reason wins
  bool close_after_flush = false;
  bool tcp_connected = false;
  std::string tls_failure;  // why the TLS handshake failed, in the operator's words

  void note_end(std::error_code why) {
    if (!close_reason) close_reason = why;
  }
  void close_socket() {
    boost::system::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

}  // namespace lapord::net
