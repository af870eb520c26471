#pragma once
// The decisions of one SMPP bind, with no socket and no clock: what to submit next and when
// (order, the carrier's submit rate, the pause after ESME_RTHROTTLED), what a submit_sm_resp
// or a failed submit means for the message (done, refused, sent again in its place, given up),
// when a draining bind may unbind, whether a late MO answer still has its connection, and how
// long to wait before the next connection attempt. bind_link (the Asio shell) feeds it what
// happened and the time, and carries out what it returns; smpp::session stays the protocol
// (framing, sequence numbers, the window, timers). Tested with scripted time in
// tests/net/carrier/test_bind_machine.cpp.
//
// States (per connection attempt): idle (waiting to reconnect) -> connecting -> bound ->
// [stopping: draining -> unbinding] -> ended -> idle ... See docs/smpp.md for the table.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>

#include <spdlog/logger.h>

#include "lapord/net/carrier_settings.hpp"
#include "lapord/net/link_observer.hpp"
#include "lapord/net/mt_sender.hpp"
#include "lapord/smpp/session.hpp"
#include "net/carrier/reconnect_backoff.hpp"
#include "net/carrier/throttle_pause.hpp"
#include "net/carrier/token_bucket.hpp"

namespace lapord::net {

// Why a connection ended, when neither the session nor the socket has a code for it.
enum class link_error {
  peer_closed = 1,          // the SMSC closed the TCP connection
  connect_timeout,          // no TCP connection (and TLS handshake) within connect_timeout_s
  enquire_link_unanswered,  // our enquire_link got no response within response_timeout_s
  output_stalled            // what we send waited over the bound for response_timeout_s
};
const std::error_category& link_category();
std::error_code make_link_error(link_error e);

// After this many submit_sm_resp timeouts for one message it is given up (no_response): the
// carrier takes it but never answers, and resending for ever would flood the citizen.
inline constexpr int max_submit_timeouts = 3;

// An MT waiting to be sent, or sent and awaiting its submit_sm_resp.
struct queued_mt {
  smpp::submit_sm message;
  mt_completion done;
  int timeouts = 0;         // submit_sm_resp never came; after a few the message is given up
  std::uint64_t order = 0;  // submission order, kept when a message is sent again
};

// What the shell knows of the current connection's session when it asks the pump.
struct link_view {
  bool bound = false;             // smpp::session::is_bound()
  bool window_open = false;       // smpp::session::can_submit()
  std::size_t mo_unanswered = 0;  // smpp::session::awaiting_response()
};

// The pump's next step: send `submit` (then ask again), unbind (drained), or sleep until
// `wake_at` (time_point::max(): until woken by an event).
struct pump_step {
  std::optional<queued_mt> submit;
  bool unbind = false;
  smpp::time_point wake_at = smpp::time_point::max();
};

// After a connection ended: wait this long, then connect again (unless stopping).
struct reconnect_plan {
  std::chrono::milliseconds wait{};
  std::chrono::milliseconds ceiling{};  // the back-off ceiling the wait was drawn under
  bool rejected_credentials = false;    // the maximum wait: a wrong login is not retried sooner
  bool was_bound = false;               // the connection had come up (a "bind down")
};

// What stop() asks of the shell for the current connection.
enum class stop_step {
  none,   // no connection: the run loop ends at its next turn
  drain,  // bound: wake the pump, which unbinds once everything in flight is answered
  close   // connecting or binding: nothing to drain, close the socket
};

class bind_machine {
 public:
  using time_point = smpp::time_point;

  // `observer` may be null; `seed` draws the reconnect jitter (fixed in tests).
  bind_machine(const carrier_settings& settings, std::shared_ptr<spdlog::logger> log,
               carrier_observer* observer, time_point now, std::uint64_t seed);

  // --- the MT queue --------------------------------------------------------------------------
  // Queued in order; refused at once (shutting_down) while stopping.
  void submit(smpp::submit_sm&& message, mt_completion done);
  // What the submit pump does now (see pump_step). Call again after each submit it returns.
  pump_step pump(time_point now, const link_view& link);
  // The session took `item` as `sequence`: it awaits its submit_sm_resp.
  void sent(std::uint32_t sequence, queued_mt&& item);
  // The session refused `item`: a session error (the window closed under us) puts it back first
  // in line and returns true (the pump then sleeps until wake_at()); any other (the codec)
  // completes it with invalid_message.
  bool not_sent(queued_mt item, std::error_code why);
  // When the pump should look again, with nothing to send now (time_point::max(): when woken).
  time_point wake_at(time_point now, const link_view& link);

  // --- what the session reported -------------------------------------------------------------
  // A submit_sm_resp (or generic_nack) for our submit_sm `sequence`.
  void on_submit_response(std::uint32_t sequence, smpp::command_status status,
                          std::string message_id, time_point now);
  // A request of ours failed (timeout, connection closed, undecodable response). Returns the
  // reason to close the connection when that is the answer (enquire_link unanswered).
  std::optional<std::error_code> on_request_failed(std::uint32_t sequence, smpp::command_id request,
                                                   std::error_code why);

  // --- the connection's life -----------------------------------------------------------------
  // A new connection attempt; returns its epoch (MO answers carry it).
  std::uint64_t connecting();
  void on_bound();
  // The connection is gone (the session already failed what it had outstanding). Requeues
  // anything still in flight and says how long to wait before the next attempt.
  reconnect_plan on_connection_ended(std::error_code failure);
  // Whether an MO answer made for connection `epoch` can still be sent.
  [[nodiscard]] bool is_current(std::uint64_t epoch) const { return connected_ && epoch == epoch_; }

  // --- stopping ------------------------------------------------------------------------------
  // Graceful stop: queued messages fail (shutting_down); what was sent is still awaited.
  stop_step stop(bool connected, bool session_bound);
  // The shutdown deadline passed: nothing more is awaited.
  void stop_now() { stopping_ = true; }
  // The run loop ended: anything left fails (shutting_down).
  void finished();
  [[nodiscard]] bool stopping() const { return stopping_; }
  // MO are refused (ESME_RX_T_APPN) while stopping: the SMSC keeps them for later.
  [[nodiscard]] bool accepts_mo() const { return !stopping_; }

  [[nodiscard]] std::size_t queued() const { return queue_.size(); }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_.size(); }
  [[nodiscard]] time_point paused_until() const { return paused_until_; }

 private:
  void requeue(queued_mt item);
  void fail_queued(std::error_code why);

  std::shared_ptr<spdlog::logger> log_;
  std::string refused_key_;     // "<logger>: submit_sm refused: " (log_flood.hpp), + the status
  carrier_observer* observer_;  // may be null
  reconnect_backoff backoff_;
  token_bucket bucket_;
  throttle_pause throttle_;
  std::mt19937_64 random_;
  time_point paused_until_{};

  std::deque<queued_mt> queue_;
  std::uint64_t next_order_ = 0;
  std::map<std::uint32_t, queued_mt> in_flight_;  // our submit_sm by sequence_number
  std::uint64_t epoch_ = 0;  // counts connections; a late MO answer for an old one is dropped
  bool connected_ = false;   // between connecting() and on_connection_ended()
  bool was_bound_ = false;   // this connection came up
  bool unbind_sent_ = false;
  bool stopping_ = false;
};

}  // namespace lapord::net

template <>
struct std::is_error_code_enum<lapord::net::link_error> : std::true_type {};
