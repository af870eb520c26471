#include "net/carrier/bind_link.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "lapord/lapor/msisdn.hpp"
#include "lapord/smpp/session_error.hpp"
#include "net/carrier/tls_client.hpp"

namespace lapord::net {
namespace {

using namespace asio::experimental::awaitable_operators;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Why a connection ended, when neither the session nor the socket has a code for it.
enum class link_error {
  peer_closed = 1,          // the SMSC closed the TCP connection
  connect_timeout,          // no TCP connection (and TLS handshake) within connect_timeout_s
  enquire_link_unanswered,  // our enquire_link got no response within response_timeout_s
  output_stalled            // what we send waited over the bound for response_timeout_s
};

class link_category_impl final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "lapord.carrier_link"; }
  [[nodiscard]] std::string message(int v) const override {
    switch (static_cast<link_error>(v)) {
      case link_error::peer_closed:
        return "the SMSC closed the connection";
      case link_error::connect_timeout:
        return "no connection within connect_timeout_s";
      case link_error::enquire_link_unanswered:
        return "the SMSC did not answer enquire_link within response_timeout_s";
      case link_error::output_stalled:
        return "the SMSC is not reading what lapord sends (responses waiting over the bound "
               "for response_timeout_s)";
    }
    return "carrier link error";
  }
};

const std::error_category& link_category() {
  static const link_category_impl category;
  return category;
}

std::error_code make_link_error(link_error e) {
  return {static_cast<int>(e), link_category()};
}

// After this many submit_sm_resp timeouts for one message it is given up (no_response): the
// carrier takes it but never answers, and resending for ever would flood the citizen.
constexpr int max_submit_timeouts = 3;

// Back-pressure: with more than this many bytes waiting to be written the bind stops reading
// (an SMSC flooding enquire_link without reading the answers cannot grow lapord).
constexpr std::size_t max_output_bytes = 64 * 1024;

std::string_view role_name(bind_role role) {
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

// A destination for the log: masked, in E.164 when it is a phone number.
std::string masked_destination(const smpp::submit_sm& m) {
  if (auto e164 = lapor::to_e164(m.destination_addr, m.dest_addr_ton, m.dest_addr_npi)) {
    return lapor::mask_msisdn(*e164);
  }
  return lapor::mask_msisdn(m.destination_addr);
}

double seconds(std::chrono::milliseconds ms) {
  return static_cast<double>(ms.count()) / 1000.0;
}

bool is_rejected_credentials(const std::error_code& ec) {
  if (ec.category() != smpp::command_status_category()) return false;
  const auto s = static_cast<smpp::command_status>(ec.value());
  return s == smpp::command_status::esme_rinvpaswd || s == smpp::command_status::esme_rinvsysid;
}

}  // namespace

struct bind_link::connection {
  connection(asio::io_context& io, asio::ssl::context& tls_context,
             const smpp::session_config& config, std::uint64_t number)
      : stream(io, tls_context),
        session(config),
        wake(io, steady::time_point::max()),
        timer(io, steady::time_point::max()),
        pump_timer(io, steady::time_point::max()),
        read_wake(io, steady::time_point::max()),
        epoch(number) {}

  asio::ssl::stream<asio::ip::tcp::socket> stream;
  bool tls = false;
  smpp::session session;
  std::vector<std::uint8_t> out;  // bytes the session asked to send, not yet written
  asio::steady_timer wake;        // the writer sleeps here; cancel() wakes it
  asio::steady_timer timer;       // the session's one timer
  asio::steady_timer pump_timer;  // the submit pump sleeps here; cancel() wakes it
  asio::steady_timer read_wake;   // the reader waits here while the read gate is shut
  read_gate gate{max_output_bytes, std::chrono::milliseconds(10'000)};
  std::size_t writing = 0;      // bytes of the write in progress
  bool reader_waiting = false;  // the reader waits for the read gate
  std::uint64_t epoch;
  std::optional<std::error_code> close_reason;  // the first reason wins
  bool close_after_flush = false;
  bool unbind_sent = false;
  bool was_bound = false;
  bool tcp_connected = false;
  std::string tls_failure;  // why the TLS handshake failed, in the operator's words
  std::map<std::uint32_t, queued_mt> in_flight;  // our submit_sm by sequence_number
  pdu_header_scan scan_in, scan_out;             // PDU counts for the observer

  void note_end(std::error_code why) {
    if (!close_reason) close_reason = why;
  }
  void close_socket() {
    boost::system::error_code ignored;
    stream.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream.next_layer().close(ignored);
  }
};

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
      backoff_(settings.reconnect_min, settings.reconnect_max),
      bucket_(settings.submit_rate, settings.submit_burst, steady::now()),
      throttle_(settings.throttle_pause),
      random_(std::random_device{}()),
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

asio::awaitable<void> bind_link::run() {
  while (!stopping_) {
    smpp::session_config config;
    config.role = smpp::session_role::esme;
    config.window = settings_.window;
    config.response_timeout = settings_.response_timeout;
    config.enquire_link_interval = settings_.enquire_link_interval;
    config.max_pdu_size = max_pdu_size_;
    config.max_requests_in = settings_.max_mo_in_flight;
    auto c = std::make_shared<connection>(io_, *tls_, config, ++epoch_);
    c->gate = read_gate(max_output_bytes, settings_.response_timeout);
    c->tls = settings_.tls.enabled;
    conn_ = c;
    const auto started = steady::now();
    log_->debug("connecting to {}:{}{}", settings_.host, settings_.port, c->tls ? " (TLS)" : "");
    std::error_code failure;
    try {
      failure = co_await connect(*c);
      if (!failure && !stopping_) {
        c->tcp_connected = true;
        log_->info("connected to {}:{}{}, binding as {} (system_id \"{}\")", settings_.host,
                   settings_.port, c->tls ? " over TLS" : "", role_name(role_),
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
    conn_.reset();
    set_bound(false);
    if (observer_ != nullptr && can_transmit()) observer_->window_in_use(0);
    if (stopping_) break;

    std::chrono::milliseconds wait{};
    if (is_rejected_credentials(failure)) {
      wait = backoff_.after_rejected_credentials();
      log_->error(
          "bind rejected: {}: check system_id/password; next attempt in {:.1f} s (the maximum: "
          "a rejected login is not retried sooner)",
          describe(failure), seconds(wait));
      if (observer_ != nullptr) observer_->reconnect_scheduled();
    } else {
      const auto ceiling = backoff_.ceiling();
      wait = backoff_.next(random_);
      if (c->was_bound) {
        log_->warn("bind down: {}", describe(failure));
      } else {
        // Once TCP is up, a TLS failure is the handshake's, with the check that failed.
        const bool tls_failed = !c->tcp_connected && !c->tls_failure.empty();
        log_->warn(
            "{} {}:{} failed after {} ms: {}",
            c->tcp_connected ? "bind to"
            : tls_failed     ? "TLS handshake with"
                             : "connect to",
            settings_.host, settings_.port,
            std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count(),
            tls_failed ? c->tls_failure : describe(failure));
      }
      log_->info("reconnect scheduled in {:.3f} s (back-off ceiling {:.1f} s)", seconds(wait),
                 seconds(ceiling));
      if (observer_ != nullptr) observer_->reconnect_scheduled();
    }
    retry_timer_.expires_after(wait);
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

  auto connected = co_await (asio::async_connect(c.stream.next_layer(), endpoints, use_tuple) ||
                             deadline.async_wait(use_tuple));
  if (connected.index() == 1) co_return make_link_error(link_error::connect_timeout);
  if (auto error = std::get<0>(std::get<0>(connected))) co_return std::error_code(error);
  boost::system::error_code ignored;
  c.stream.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);

  if (c.tls) {
    const std::string& name =
        settings_.tls.server_name.empty() ? settings_.host : settings_.tls.server_name;
    // SNI, so an SMSC behind a TLS front end presents the right certificate, and the name
    // OpenSSL checks in it.
    prepare_tls_client(c.stream.native_handle(), name);
    c.stream.set_verify_mode(asio::ssl::verify_peer);
    auto shaken = co_await (c.stream.async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                            deadline.async_wait(use_tuple));
    if (shaken.index() == 1) {
      c.tls_failure = "no TLS handshake within connect_timeout_s";
      co_return make_link_error(link_error::connect_timeout);
    }
    if (auto error = std::get<0>(std::get<0>(shaken))) {
      c.tls_failure =
          describe_tls_failure(SSL_get_verify_result(c.stream.native_handle()), error, name);
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
    boost::system::error_code error;
    std::size_t n = 0;
    if (c->tls) {
      std::tie(error, n) = co_await c->stream.async_read_some(asio::buffer(buffer), use_tuple);
    } else {
      std::tie(error, n) =
          co_await c->stream.next_layer().async_read_some(asio::buffer(buffer), use_tuple);
    }
    if (error) {
      c->note_end(error == asio::error::eof || error == asio::ssl::error::stream_truncated
                      ? make_link_error(link_error::peer_closed)
                      : std::error_code(error));
      co_return;
    }
    const std::span<const std::uint8_t> got(buffer.data(), n);
    if (observer_ != nullptr) {
      c->scan_in.feed(got, [this](smpp::command_id id, smpp::command_status status) {
        observer_->pdu_received(id, status);
      });
    }
    c->session.on_bytes(got, steady::now());
    apply(*c);
  }
}

// The bytes waiting to be written or the session's MO count changed: update the gate and wake
// the reader if it may read again.
void bind_link::note_output(connection& c) {
  c.gate.on_output(c.out.size() + c.writing, steady::now());
  if (c.reader_waiting && c.gate.may_read(c.session.input_paused())) c.read_wake.cancel();
}

asio::awaitable<void> bind_link::writer(std::shared_ptr<connection> c) {
  std::vector<std::uint8_t> sending;
  for (;;) {
    while (!c->out.empty()) {
      sending.clear();
      sending.swap(c->out);
      c->writing = sending.size();
      boost::system::error_code error;
      if (c->tls) {
        std::tie(error, std::ignore) =
            co_await asio::async_write(c->stream, asio::buffer(sending), use_tuple);
      } else {
        std::tie(error, std::ignore) =
            co_await asio::async_write(c->stream.next_layer(), asio::buffer(sending), use_tuple);
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
      // Disarm first: on_timer may arm it again, and an expired timer must not spin.
      c->timer.expires_at(steady::time_point::max());
      c->session.on_timer(steady::now());
      apply(*c);
    }
  }
}

asio::awaitable<void> bind_link::pump(std::shared_ptr<connection> c) {
  for (;;) {
    fill_pump(*c);
    auto wake_at = steady::time_point::max();
    const auto now = steady::now();
    if (!stopping_ && !queue_.empty() && c->session.can_submit()) {
      wake_at = std::max(paused_until_, bucket_.next_token(now));
    }
    c->pump_timer.expires_at(wake_at);
    co_await c->pump_timer.async_wait(use_tuple);
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      co_return;
    }
  }
}

void bind_link::fill_pump(connection& c) {
  const auto now = steady::now();
  if (!stopping_) {
    while (!queue_.empty() && c.session.can_submit() && now >= paused_until_ &&
           bucket_.try_take(now)) {
      queued_mt item = std::move(queue_.front());
      queue_.pop_front();
      std::uint32_t sequence = 0;
      if (auto error = c.session.send(smpp::pdu_body(item.message), now, sequence)) {
        if (error.category() == smpp::session_category()) {
          queue_.push_front(std::move(item));  // the window closed under us: try again later
          break;
        }
        log_->warn("submit_sm to {} not sent: {}", masked_destination(item.message),
                   error.message());
        item.done(make_error_code(carrier_error::invalid_message), {});
        continue;
      }
      c.in_flight.emplace(sequence, std::move(item));
      apply(c);
    }
    return;
  }
  // Draining at SIGTERM: unbind once every MO we were handed is answered and every submit_sm
  // we sent has its response.
  if (c.session.is_bound() && !c.unbind_sent && c.session.awaiting_response() == 0 &&
      c.in_flight.empty()) {
    log_->info("drained, unbinding");
    c.unbind_sent = true;
    c.session.unbind(now);
    apply(c);
  }
}

void bind_link::set_bound(bool up) {
  if (bound_ == up) return;
  bound_ = up;
  if (observer_ != nullptr) observer_->bind_changed(bind_name_, up);
}

void bind_link::apply(connection& c) {
  for (;;) {
    auto actions = c.session.take_actions();
    if (actions.empty()) {
      if (observer_ != nullptr && can_transmit()) observer_->window_in_use(c.in_flight.size());
      note_output(c);
      return;
    }
    for (auto& action : actions) {
      std::visit(
          [&](auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, smpp::send_bytes>) {
              if (observer_ != nullptr) {
                c.scan_out.feed(a.bytes, [this](smpp::command_id id, smpp::command_status st) {
                  observer_->pdu_sent(id, st);
                });
              }
              c.out.insert(c.out.end(), a.bytes.begin(), a.bytes.end());
              c.wake.cancel();
            } else if constexpr (std::is_same_v<T, smpp::request_received>) {
              on_request(c, a.request);
            } else if constexpr (std::is_same_v<T, smpp::response_received>) {
              on_response(c, a);
            } else if constexpr (std::is_same_v<T, smpp::request_failed>) {
              on_request_failed(c, a);
            } else if constexpr (std::is_same_v<T, smpp::back_off>) {
              // Handled with its response_received (the message is requeued there).
            } else if constexpr (std::is_same_v<T, smpp::bound>) {
              c.was_bound = true;
              set_bound(true);
              backoff_.reset();
              log_->info("bind up: bound as {} to SMSC \"{}\"", role_name(role_), a.peer_system_id);
              wake_pump();
            } else if constexpr (std::is_same_v<T, smpp::arm_timer>) {
              c.timer.expires_at(a.at);
            } else if constexpr (std::is_same_v<T, smpp::cancel_timer>) {
              c.timer.expires_at(steady::time_point::max());
            } else if constexpr (std::is_same_v<T, smpp::close_connection>) {
              c.note_end(a.reason);
              c.close_after_flush = true;
              c.wake.cancel();
            } else if constexpr (std::is_same_v<T, smpp::protocol_warning>) {
              pdu_rejected("malformed",
                           fmt::format("{} (sequence_number {})", a.what.message(), a.sequence));
            }
          },
          action);
    }
  }
}

void bind_link::on_request(connection& c, smpp::pdu& request) {
  const auto sequence = request.sequence_number;
  const auto now = steady::now();
  const bool is_mo = std::holds_alternative<smpp::deliver_sm>(request.body) ||
                     std::holds_alternative<smpp::data_sm>(request.body);
  if (is_mo) {
    if (stopping_) {
      // Not taken: the SMSC keeps it and delivers it again once lapord is back.
      (void)c.session.respond(sequence, smpp::command_status::esme_rx_t_appn, now);
      log_->info("MO refused while stopping (ESME_RX_T_APPN): the SMSC will deliver it again");
      return;
    }
    auto gate = gate_;
    const auto epoch = c.epoch;
    mo_completion done([gate, epoch, sequence](smpp::command_status status) {
      std::lock_guard<std::mutex> lock(gate->mutex);
      if (!gate->executor) return;
      gate->answers.push_back({epoch, sequence, status});
      if (gate->answers.size() > 1) return;  // the task posted for the first sends this too
      asio::post(*gate->executor, [link = gate->link] {
        if (auto self = link.lock()) self->send_answers();
      });
    });
    handler_.on_mo(mo_message{settings_.name, bind_name_, std::move(request),
                              std::chrono::system_clock::now()},
                   std::move(done));
    return;
  }
  if (std::holds_alternative<smpp::outbind>(request.body) ||
      std::holds_alternative<smpp::alert_notification>(request.body)) {
    log_->info("{} from the SMSC ignored (takes no response)", smpp::name(request.command()));
    return;
  }
  // Anything else an SMSC may not send to an ESME (submit_sm, bind_*, ...).
  pdu_rejected("not for an ESME",
               fmt::format("the SMSC sent {}, which an ESME does not accept; answered "
                           "ESME_RINVCMDID",
                           smpp::name(request.command())));
  if (auto error = c.session.respond(sequence, smpp::command_status::esme_rinvcmdid, now)) {
    log_->debug("could not answer {}: {}", smpp::name(request.command()), error.message());
  }
}

void bind_link::pdu_rejected(std::string_view kind, const std::string& what) {
  // A peer may send bad PDUs by the thousand: one line each would bury the log.
  const auto v = rejected_.occur(kind, steady::now());
  if (!v.log) return;
  if (v.suppressed == 0) {
    log_->warn("PDU rejected: {}", what);
  } else {
    log_->warn("PDU rejected: {} ({} more {} since the last line, not logged)", what, v.suppressed,
               kind);
  }
}

void bind_link::flush_rejected() {
  for (std::string_view kind : {"malformed", "not for an ESME"}) {
    if (const auto n = rejected_.flush(kind); n > 0) {
      log_->warn("PDU rejected: {} more {} on the connection that ended, not logged", n, kind);
    }
  }
}

void bind_link::send_answers() {
  answering_.clear();
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    answering_.swap(gate_->answers);  // both keep their capacity: no allocation per batch
  }
  const auto now = steady::now();
  for (const post_gate::answer& a : answering_) {
    if (!conn_ || conn_->epoch != a.epoch) {
      log_->info(
          "answer to MO sequence_number {} dropped: its connection is gone, the SMSC will "
          "deliver it again",
          a.sequence);
      continue;
    }
    if (auto error = conn_->session.respond(a.sequence, a.status, now)) {
      log_->warn("answer to MO sequence_number {} not sent: {}", a.sequence, error.message());
    }
  }
  if (conn_) apply(*conn_);
  if (stopping_) wake_pump();
}

void bind_link::on_response(connection& c, const smpp::response_received& r) {
  if (r.request != smpp::command_id::submit_sm) return;
  auto it = c.in_flight.find(r.response.sequence_number);
  if (it == c.in_flight.end()) return;
  queued_mt item = std::move(it->second);
  c.in_flight.erase(it);
  const auto status = r.response.status;
  const auto now = steady::now();
  if (smpp::asks_back_off(status)) {
    if (observer_ != nullptr) observer_->throttled();
    // Several responses of one window may say so at once: one pause for all of them.
    if (now >= paused_until_) {
      const auto pause = throttle_.on_throttled();
      paused_until_ = now + pause;
      log_->warn(
          "throttled by the SMSC ({}): holding submit_sm for {:.1f} s, then sending the "
          "same message again",
          smpp::name(status), seconds(pause));
    }
    requeue(std::move(item));
  } else if (status == smpp::command_status::esme_rok) {
    throttle_.on_accepted();
    const auto* resp = std::get_if<smpp::submit_sm_resp>(&r.response.body);
    item.done({}, resp != nullptr ? resp->message_id : std::string());
  } else {
    log_->warn("submit_sm to {} refused by the SMSC: {}", masked_destination(item.message),
               smpp::describe(status));
    item.done(smpp::make_error_code(status), {});
  }
  wake_pump();
}

void bind_link::on_request_failed(connection& c, const smpp::request_failed& f) {
  if (f.request == smpp::command_id::enquire_link &&
      f.reason == make_error_code(smpp::session_error::response_timeout)) {
    c.note_end(make_link_error(link_error::enquire_link_unanswered));
    c.close_after_flush = true;
    c.wake.cancel();
    return;
  }
  if (f.request != smpp::command_id::submit_sm) return;
  auto it = c.in_flight.find(f.sequence);
  if (it == c.in_flight.end()) return;
  queued_mt item = std::move(it->second);
  c.in_flight.erase(it);
  if (f.reason == make_error_code(smpp::session_error::response_timeout) &&
      ++item.timeouts >= max_submit_timeouts) {
    log_->warn("submit_sm to {} given up: no submit_sm_resp after {} attempts",
               masked_destination(item.message), item.timeouts);
    item.done(make_error_code(carrier_error::no_response), {});
    return;
  }
  // No answer (timeout or the connection dropped): the SMSC may or may not have it; sending it
  // again risks a duplicate SMS, dropping it loses a reply, and a duplicate is the lesser harm.
  requeue(std::move(item));
  wake_pump();
}

void bind_link::requeue(queued_mt item) {
  // Several of a window may come back; each goes back where it was, so the order holds.
  auto at = std::find_if(queue_.begin(), queue_.end(),
                         [&](const queued_mt& q) { return q.order > item.order; });
  queue_.insert(at, std::move(item));
}

void bind_link::submit(smpp::submit_sm message, mt_completion done) {
  if (stopping_) {
    done(make_error_code(carrier_error::shutting_down), {});
    return;
  }
  queue_.push_back(queued_mt{std::move(message), std::move(done), 0, next_order_++});
  wake_pump();
}

void bind_link::wake_pump() {
  if (conn_) conn_->pump_timer.cancel();
}

void bind_link::fail_queued(std::error_code why) {
  auto queued = std::move(queue_);
  queue_.clear();
  for (auto& item : queued)
    item.done(why, {});
}

void bind_link::stop(std::function<void()> closed) {
  if (stopped_) {
    if (closed) closed();
    return;
  }
  on_closed_ = std::move(closed);
  if (stopping_) return;
  stopping_ = true;
  if (!queue_.empty()) {
    log_->info("stopping: {} queued submit_sm not sent", queue_.size());
  }
  fail_queued(make_error_code(carrier_error::shutting_down));
  retry_timer_.cancel();
  if (conn_ && conn_->session.is_bound()) {
    wake_pump();  // drains, then unbinds
  } else if (conn_) {
    conn_->close_socket();  // still connecting or binding: nothing to drain
  }
}

void bind_link::close_now() {
  stopping_ = true;
  retry_timer_.cancel();
  if (conn_) {
    log_->warn("closing without unbind: the shutdown deadline passed");
    conn_->note_end(make_error_code(carrier_error::shutting_down));
    conn_->close_socket();
  }
}

void bind_link::finish_stop() {
  stopped_ = true;
  fail_queued(make_error_code(carrier_error::shutting_down));
  log_->info("closed");
  if (auto closed = std::exchange(on_closed_, nullptr)) closed();
}

std::string bind_link::describe(const std::error_code& ec) const {
  if (ec.category() == smpp::command_status_category()) {
    return smpp::describe(static_cast<smpp::command_status>(ec.value()));
  }
  if (ec == make_error_code(smpp::session_error::response_timeout) ||
      ec == make_error_code(smpp::session_error::bind_timeout)) {
    return fmt::format("{} (response_timeout_s = {:.1f})", ec.message(),
                       seconds(settings_.response_timeout));
  }
  if (ec == make_error_code(smpp::session_error::peer_dead)) {
    return fmt::format("{} (nothing received for {:.1f} s)", ec.message(),
                       2 * seconds(settings_.enquire_link_interval));
  }
  return ec.message();
}

}  // namespace lapord::net
