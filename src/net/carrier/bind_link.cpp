// bind_link's coroutines: the run loop (connect, TLS if configured, bind, serve the connection
// until it ends, wait what bind_machine says, connect again) and one connection's reader,
// writer, timer and submit pump. What they do with the session's actions and the machine's
// answers is in bind_link_events.cpp.
#include "net/carrier/bind_link.hpp"

#include <utility>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include "lapord/smpp/session_error.hpp"
#include "net/carrier/bind_connection.hpp"
#include "net/carrier/feed_slices.hpp"
#include "net/carrier/tls_client.hpp"

namespace lapord::net {

using namespace bind_detail;

namespace {

using namespace asio::experimental::awaitable_operators;

smpp::bind_mode smpp_mode(bind_role role) {
  switch (role) {
    case bind_role::transceiver:
      return smpp::bind_mode::transceiver;
    case bind_role::transmitter:
      return smpp::bind_mode::transmitter;
    case bind_role::receiver:
      return smpp::bind_mode::receiver;
  }
  return smpp::bind_mode::transceiver;
}

}  // namespace

bind_link::bind_link(asio::io_context& io, const carrier_settings& settings, bind_role role,
                     std::size_t max_pdu_size, mo_handler& handler,
                     std::shared_ptr<spdlog::logger> log, std::shared_ptr<asio::ssl::context> tls,
                     carrier_observer* observer)
    : io_(io),
      settings_(settings),
      role_(role),
      bind_name_(role == bind_role::transceiver   ? "trx"
                 : role == bind_role::transmitter ? "tx"
                                                  : "rx"),
      max_pdu_size_(max_pdu_size),
      handler_(handler),
      log_(std::move(log)),
      tls_(std::move(tls)),
      gate_(std::make_shared<post_gate>()),
      observer_(observer),
      machine_(settings, log_, observer, steady::now(), std::random_device{}()),
      retry_timer_(io) {
  gate_->executor = io.get_executor();
}

bind_link::~bind_link() {
  std::lock_guard<std::mutex> lock(gate_->mutex);
  gate_->executor.reset();
}

void bind_link::start() {
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->link = weak_from_this();
  }
  asio::co_spawn(
      io_, [self = shared_from_this()]() { return self->run(); }, asio::detached);
}

std::shared_ptr<bind_link::connection> bind_link::new_connection() {
  smpp::session_config config;
  config.role = smpp::session_role::esme;
  config.window = settings_.window;
  config.response_timeout = settings_.response_timeout;
  config.enquire_link_interval = settings_.enquire_link_interval;
  config.max_pdu_size = max_pdu_size_;
  config.max_requests_in = settings_.max_mo_in_flight;
  auto c = std::make_shared<connection>(io_, tls_.get(), config, machine_.connecting());
  c->gate = read_gate(max_output_bytes, settings_.response_timeout);
  return c;
}

asio::awaitable<void> bind_link::run() {
  while (!machine_.stopping()) {
    auto c = new_connection();
    conn_ = c;
    const auto started = steady::now();
    log_->debug("connecting to {}:{}{}", settings_.host, settings_.port, c->tls() ? " (TLS)" : "");
    std::error_code failure;
    try {
      failure = co_await connect(*c);
      if (!failure && !machine_.stopping()) {
        c->tcp_connected = true;
        log_->info("connected to {}:{}{}, binding as {} (system_id \"{}\")", settings_.host,
                   settings_.port, c->tls() ? " over TLS" : "", role_name(role_),
                   settings_.system_id);
        co_await serve(c);
        failure = c->close_reason.value_or(make_link_error(link_error::peer_closed));
      }
    } catch (const std::exception& e) {
      log_->error("connection failed unexpectedly: {}", e.what());
      failure = make_error_code(std::errc::io_error);
    }
    c->close_socket();
    c->session.on_transport_closed(steady::now());
    apply(*c);  // requeues the submit_sm that were waiting for a response
    flush_rejected();
    const auto plan = machine_.on_connection_ended(failure);
    conn_.reset();
    set_bound(false);
    if (observer_ != nullptr && can_transmit()) observer_->window_in_use(0);
    if (machine_.stopping()) break;
    log_failure(*c, failure, plan, started);
    if (observer_ != nullptr) observer_->reconnect_scheduled();
    retry_timer_.expires_after(plan.wait);
    co_await retry_timer_.async_wait(use_tuple);
  }
  finish_stop();
}

asio::awaitable<std::error_code> bind_link::connect(connection& c) {
  asio::ip::tcp::resolver resolver(io_);
  asio::steady_timer deadline(io_);
  deadline.expires_after(settings_.connect_timeout);

  auto resolved =
      co_await (resolver.async_resolve(settings_.host, std::to_string(settings_.port), use_tuple) ||
                deadline.async_wait(use_tuple));
  if (resolved.index() == 1) co_return make_link_error(link_error::connect_timeout);
  auto [resolve_error, endpoints] = std::get<0>(resolved);
  if (resolve_error) co_return std::error_code(resolve_error);

  auto connected = co_await (asio::async_connect(c.socket, endpoints, use_tuple) ||
                             deadline.async_wait(use_tuple));
  if (connected.index() == 1) co_return make_link_error(link_error::connect_timeout);
  if (auto error = std::get<0>(std::get<0>(connected))) co_return std::error_code(error);
  boost::system::error_code ignored;
  c.socket.set_option(asio::ip::tcp::no_delay(true), ignored);

  if (c.tls()) {
    const std::string& name =
        settings_.tls.server_name.empty() ? settings_.host : settings_.tls.server_name;
    // SNI, so an SMSC behind a TLS front end presents the right certificate, and the name
    // OpenSSL checks in it.
    prepare_tls_client(c.secure->native_handle(), name);
    c.secure->set_verify_mode(asio::ssl::verify_peer);
    auto shaken = co_await (c.secure->async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                            deadline.async_wait(use_tuple));
    if (shaken.index() == 1) {
      c.tls_failure = "no TLS handshake within connect_timeout_s";
      co_return make_link_error(link_error::connect_timeout);
    }
    if (auto error = std::get<0>(std::get<0>(shaken))) {
      c.tls_failure =
          describe_tls_failure(SSL_get_verify_result(c.secure->native_handle()), error, name);
      co_return std::error_code(error);
    }
  }
  co_return std::error_code{};
}

asio::awaitable<void> bind_link::serve(std::shared_ptr<connection> c) {
  smpp::bind_fields fields;
  fields.system_id = settings_.system_id;
  fields.password = settings_.password;
  fields.system_type = settings_.system_type;
  fields.addr_ton = settings_.addr_ton;
  fields.addr_npi = settings_.addr_npi;
  fields.address_range = settings_.address_range;
  if (auto error = c->session.bind(smpp_mode(role_), fields, steady::now())) {
    c->note_end(error);
    co_return;
  }
  apply(*c);
  co_await (reader(c) || writer(c) || timer_loop(c) || pump(c));
}

asio::awaitable<void> bind_link::reader(std::shared_ptr<connection> c) {
  std::vector<std::uint8_t> buffer(64 * 1024);
  read_slices unfed;  // the part of the last read the session has not been given yet
  for (;;) {
    // Back-pressure (issue 12, item 7): wait while the read gate is shut (output over its
    // bound, or the session holding MO at max_mo_in_flight); output stuck over the bound for
    // response_timeout_s ends the connection.
    while (!c->gate.may_read(c->session.input_paused())) {
      c->read_wake.expires_at(c->gate.stall_deadline().value_or(steady::time_point::max()));
      c->reader_waiting = true;
      co_await c->read_wake.async_wait(use_tuple);
      c->reader_waiting = false;
      if ((co_await asio::this_coro::cancellation_state).cancelled() !=
          asio::cancellation_type::none) {
        co_return;
      }
      if (c->gate.stalled(steady::now())) {
        c->note_end(make_link_error(link_error::output_stalled));
        c->close_socket();  // also ends a write the SMSC never reads
        co_return;
      }
    }
    if (!unfed.empty()) {
      unfed.feed(c->session, steady::now());
      apply(*c);
      continue;
    }
    boost::system::error_code error;
    std::size_t n = 0;
    if (c->tls()) {
      std::tie(error, n) = co_await c->secure->async_read_some(asio::buffer(buffer), use_tuple);
    } else {
      std::tie(error, n) = co_await c->socket.async_read_some(asio::buffer(buffer), use_tuple);
    }
    if (error) {
      c->note_end(error == asio::error::eof || error == asio::ssl::error::stream_truncated
                      ? make_link_error(link_error::peer_closed)
                      : std::error_code(error));
      co_return;
    }
    unfed.got(std::span<const std::uint8_t>(buffer.data(), n));
  }
}

asio::awaitable<void> bind_link::writer(std::shared_ptr<connection> c) {
  std::vector<std::uint8_t> sending;
  for (;;) {
    while (!c->out.empty()) {
      sending.clear();
      sending.swap(c->out);
      c->writing = sending.size();
      boost::system::error_code error;
      if (c->tls()) {
        std::tie(error, std::ignore) =
            co_await asio::async_write(*c->secure, asio::buffer(sending), use_tuple);
      } else {
        std::tie(error, std::ignore) =
            co_await asio::async_write(c->socket, asio::buffer(sending), use_tuple);
      }
      if (error) {
        c->note_end(std::error_code(error));
        co_return;
      }
      c->writing = 0;
      note_output(*c);
    }
    if (c->close_after_flush) {
      // Everything the session queued before close_connection is out; closing here also ends
      // the reader at once.
      c->close_socket();
      co_return;
    }
    c->wake.expires_at(steady::time_point::max());
    co_await c->wake.async_wait(use_tuple);
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      co_return;
    }
  }
}

asio::awaitable<void> bind_link::timer_loop(std::shared_ptr<connection> c) {
  for (;;) {
    auto [error] = co_await c->timer.async_wait(use_tuple);
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      co_return;
    }
    if (!error) {
      // Disarm first: on_timer may arm it again, and an expired timer must not spin. The
      // timer may fire before the session's deadline (see apply): arm it at the deadline.
      c->timer.expires_at(steady::time_point::max());
      c->session.on_timer(steady::now());
      apply(*c);
      if (const auto next = c->session.next_deadline(); next && *next < c->timer.expiry()) {
        c->timer.expires_at(*next);
      }
    }
  }
}

asio::awaitable<void> bind_link::pump(std::shared_ptr<connection> c) {
  for (;;) {
    // Two statements: g++ 12 crashed on `c->pump_timer.expires_at(fill_pump(*c))` here (the
    // coroutine read `this` and `c` from the wrong frame slots).
    const auto wake_at = fill_pump(*c);
    c->pump_timer.expires_at(wake_at);
    c->pump_woken = false;  // from here a wake_pump must end the wait
    co_await c->pump_timer.async_wait(use_tuple);
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      co_return;
    }
  }
}

}  // namespace lapord::net
