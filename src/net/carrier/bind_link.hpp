#pragma once
// One SMPP bind to a carrier's SMSC, kept up for the life of the daemon: an Asio coroutine run
// loop (connect with a timeout, TLS if configured, bind, then reader || writer || timer ||
// submit pump) that drives smpp::session and, when anything fails, reconnects after a jittered
// back-off. The decisions (submit order and pacing, throttle, requeue, drain, epochs, the
// reconnect wait) are bind_machine's; this shell does the I/O, the timers and the log lines.
// Everything runs on one executor (the daemon's network thread): no locks inside.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lapord/net/carrier_settings.hpp"
#include "lapord/net/link_observer.hpp"
#include "lapord/net/mo_handler.hpp"
#include "lapord/net/mt_sender.hpp"
#include "lapord/net/repeat_limiter.hpp"
#include "lapord/smpp/session.hpp"
#include "net/carrier/bind_machine.hpp"
#include "net/carrier/read_gate.hpp"

namespace lapord::net {

namespace asio = boost::asio;

enum class bind_role { transceiver, transmitter, receiver };

class bind_link;

// A completion may outlive the bind (a handler thread answering late): it posts through this
// gate, which the bind closes when it is destroyed, so nothing is posted to a dead executor.
// The answers wait here: the first one into an empty list posts one task that sends all that
// came meanwhile, so a group commit of many MO costs the network thread one wake-up, not one
// per MO.
struct post_gate {
  struct answer {
    std::uint64_t epoch;
    std::uint32_t sequence;
    smpp::command_status status;
  };
  std::mutex mutex;
  std::optional<asio::any_io_executor> executor;
  std::weak_ptr<bind_link> link;
  std::vector<answer> answers;  // given, not yet sent
};

class bind_link : public std::enable_shared_from_this<bind_link> {
 public:
  bind_link(asio::io_context& io, const carrier_settings& settings, bind_role role,
            std::size_t max_pdu_size, mo_handler& handler, std::shared_ptr<spdlog::logger> log,
            std::shared_ptr<asio::ssl::context> tls, carrier_observer* observer = nullptr);
  ~bind_link();
  bind_link(const bind_link&) = delete;
  bind_link& operator=(const bind_link&) = delete;

  void start();
  // On the executor only (carrier_links posts there).
  void submit(smpp::submit_sm&& message, mt_completion done);
  // Graceful: refuse new MO, finish those in flight and sent submits, unbind, close.
  void stop(std::function<void()> closed);
  // The shutdown deadline passed: close at once.
  void close_now();

  [[nodiscard]] bool can_transmit() const { return role_ != bind_role::receiver; }
  [[nodiscard]] bool bound() const { return bound_; }
  [[nodiscard]] const std::string& name() const { return bind_name_; }

 private:
  struct connection;

  asio::awaitable<void> run();
  std::shared_ptr<connection> new_connection();
  void log_failure(const connection& c, const std::error_code& failure, const reconnect_plan& plan,
                   smpp::time_point started);
  asio::awaitable<std::error_code> connect(connection& c);
  asio::awaitable<void> serve(std::shared_ptr<connection> c);
  asio::awaitable<void> reader(std::shared_ptr<connection> c);
  void note_output(connection& c);
  asio::awaitable<void> writer(std::shared_ptr<connection> c);
  asio::awaitable<void> timer_loop(std::shared_ptr<connection> c);
  asio::awaitable<void> pump(std::shared_ptr<connection> c);

  void apply(connection& c);
  void set_bound(bool up);
  void on_request(connection& c, smpp::pdu& request);
  void on_response(const smpp::response_received& r);
  void on_request_failed(connection& c, const smpp::request_failed& f);
  void close_after_flush(connection& c, std::error_code why);
  void send_answers();
  // "PDU rejected" lines: the first at once, then one line with a count per interval.
  void pdu_rejected(std::string_view kind, const std::string& what);
  void flush_rejected();
  smpp::time_point fill_pump(connection& c);
  void wake_pump();
  void finish_stop();
  std::string describe(const std::error_code& ec) const;

  asio::io_context& io_;
  carrier_settings settings_;
  bind_role role_;
  std::string bind_name_;  // "trx", "tx", "rx"
  std::size_t max_pdu_size_;
  mo_handler& handler_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<asio::ssl::context> tls_;  // null when the carrier has no TLS
  std::shared_ptr<post_gate> gate_;
  std::vector<post_gate::answer> answering_;  // taken from the gate, being sent
  carrier_observer* observer_;                // may be null

  bind_machine machine_;
  asio::steady_timer retry_timer_;
  repeat_limiter rejected_{std::chrono::seconds(5)};

  std::shared_ptr<connection> conn_;  // the current connection, if any
  bool bound_ = false;
  bool stopped_ = false;
  std::function<void()> on_closed_;
};

}  // namespace lapord::net
