#pragma once
// The SMPP 3.4 session as a state machine with no sockets and no clock. The owner (an Asio
// shell) feeds it received bytes, its own requests and the current time; the machine encodes
// what it sends into its output buffer and queues actions for the owner to carry out IN ORDER
// (hand this request/response up, arm the timer, close). After every call the owner takes the
// output (take_output, to be written in order) and then the actions (take_actions): the bytes
// of every PDU sent precede a close_connection queued after it.
//
// States: open -> binding -> bound_tx / bound_rx / bound_trx -> unbinding -> closed.
// - Sequence numbers 1..0x7FFFFFFF, wrapping to 1, skipping any still outstanding.
// - A window of outstanding requests we sent, each with its own response timeout.
// - Keepalive: enquire_link is sent when nothing was sent or received for the interval; the
//   peer is dead (close with session_error::peer_dead) after twice the interval without
//   receiving anything.
// - One timer: arm_timer{at} asks for a wake-up at `at` (replacing any earlier arming),
//   cancel_timer for none; when it fires call on_timer(now). Calling on_timer early is harmless.
// - Received requests (deliver_sm, data_sm, ...) are handed up as request_received; the owner
//   answers later with respond() (lapord acks only after the message is durably stored).
// - Answered by the machine itself: enquire_link, unbind (unbind_resp, then close), unknown
//   command_id (generic_nack ESME_RINVCMDID), a request not legal in the state
//   (ESME_RINVBNDSTS), a framing error (generic_nack ESME_RINVCMDLEN, then close).
// - ESME_RTHROTTLED / ESME_RMSGQFUL on a response also yield back_off for the sender.
// - Every PDU it frames from the peer or encodes to send is reported as pdu_seen (command,
//   status, length, direction) for metrics: the owner need not re-scan the bytes.
// The role esme (lapord: binds out) is the main user; smsc serves the SMSC simulator: it hands
// bind requests up and binds when the owner responds with ESME_ROK.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "lapord/smpp/command_status.hpp"
#include "lapord/smpp/framer.hpp"
#include "lapord/smpp/pdu.hpp"
#include "lapord/smpp/session_error.hpp"

namespace lapord::smpp {

using time_point = std::chrono::steady_clock::time_point;

enum class session_role { esme, smsc };
enum class session_state { open, binding, bound_tx, bound_rx, bound_trx, unbinding, closed };
enum class bind_mode { transmitter, receiver, transceiver };

std::string_view name(session_state s);

struct session_config {
  session_role role = session_role::esme;
  std::size_t window = 10;  // requests we sent that may await a response at once
  std::chrono::milliseconds response_timeout{10'000};
  std::chrono::milliseconds enquire_link_interval{30'000};  // zero: no keepalive
  std::size_t max_pdu_size = default_max_pdu_size;
  std::uint32_t first_sequence = 1;  // for tests of the wrap-around
  // The peer's requests awaiting our respond() at once (0: no limit). At the cap, received
  // frames stay unread in the framer until an answer makes room (input_paused()).
  std::size_t max_requests_in = 0;
};

// --- actions, carried out by the owner in the order given ---------------------------------
// A request from the peer. Answer with respond(request.sequence_number, ...), except outbind
// and alert_notification, which take no response.
struct request_received {
  pdu request;
};
// The response to our request `response.sequence_number` (its type, or generic_nack).
struct response_received {
  command_id request = command_id::generic_nack;  // what we had sent
  pdu response;
};
// Our request got no usable response: session_error::response_timeout, connection_closed,
// or a codec error when the response could not be decoded.
struct request_failed {
  std::uint32_t sequence = 0;
  command_id request = command_id::generic_nack;
  std::error_code reason;
};
// The peer answered our request with ESME_RTHROTTLED or ESME_RMSGQFUL: slow down.
struct back_off {
  std::uint32_t sequence = 0;
  command_status status = command_status::esme_rthrottled;
};
// The bind succeeded (esme: bind_resp ESME_ROK arrived; smsc: we responded ESME_ROK).
struct bound {
  session_state state = session_state::bound_trx;
  std::string peer_system_id;
};
struct arm_timer {
  time_point at;
};
struct cancel_timer {};
// Close the transport after sending what was queued before this action. The session is closed.
struct close_connection {
  std::error_code reason;
};
// Something odd the peer did, for the log and metrics; the session carried on.
struct protocol_warning {
  std::error_code what;
  std::uint32_t sequence = 0;
};

// A PDU header framed from the peer (received: before its body is decoded, so a PDU that
// cannot be decoded counts too) or encoded by us (sent: as its bytes go to the output). The values
// are the raw ones from the wire: a peer may send any number.
enum class pdu_direction : std::uint8_t { received, sent };
struct pdu_seen {
  pdu_direction direction = pdu_direction::received;
  command_id command = command_id::generic_nack;
  command_status status = command_status::esme_rok;
  std::uint32_t length = 0;  // command_length
};

using session_action =
    std::variant<request_received, response_received, request_failed, back_off, bound, arm_timer,
                 cancel_timer, close_connection, protocol_warning, pdu_seen>;

class session {
 public:
  explicit session(session_config config = {});

  // esme: send bind_transmitter/receiver/transceiver (open -> binding).
  [[nodiscard]] std::error_code bind(bind_mode mode, const bind_fields& fields, time_point now);

  // Send a request (submit_sm, data_sm, deliver_sm for an smsc, enquire_link, ...). Sets
  // `sequence` to the sequence_number it was given. Refused with session_error::wrong_state,
  // window_full, not_a_request, or a codec error (encode is strict).
  [[nodiscard]] std::error_code send(const pdu_body& request, time_point now,
                                     std::uint32_t& sequence);
  // The same for a submit_sm its owner keeps (an MT awaiting its response): encoded from there.
  [[nodiscard]] std::error_code send(const submit_sm& request, time_point now,
                                     std::uint32_t& sequence);

  // Answer a received request. The first form sends the default body of the matching
  // response type (deliver_sm_resp with an empty message_id, ...); the second sends `response`,
  // which must be that type (or generic_nack).
  [[nodiscard]] std::error_code respond(std::uint32_t sequence, command_status status,
                                        time_point now);
  [[nodiscard]] std::error_code respond(std::uint32_t sequence, command_status status,
                                        const pdu_body& response, time_point now);

  // Send unbind (-> unbinding); closes when unbind_resp arrives or response_timeout passes.
  void unbind(time_point now);

  // Bytes received from the transport, in any chunking.
  void on_bytes(std::span<const std::uint8_t> bytes, time_point now);
  // The timer armed by arm_timer fired (any earlier call is harmless).
  void on_timer(time_point now);
  // The transport closed under us: every outstanding request fails (connection_closed).
  void on_transport_closed(time_point now);

  // The actions queued by the calls so far, oldest first; the queue is left empty.
  std::vector<session_action> take_actions();
  // The same into `out` (its contents dropped): the owner's vector and the session's trade
  // places, so that after the first calls neither is allocated again.
  void take_actions(std::vector<session_action>& out);
  // The encoded PDUs queued by the calls so far, whole and in order, appended to `out` (swapped
  // in when `out` is empty: the buffers trade places, no copy); the session's is left empty.
  // PDUs are encoded straight into this buffer, not into a vector each.
  void take_output(std::vector<std::uint8_t>& out);
  bool has_output() const { return !output_.empty(); }

  session_state state() const { return state_; }
  bool is_bound() const;
  // Whether send() would now accept a submit_sm (bound for transmitting, window not full).
  bool can_submit() const;
  std::size_t outstanding() const { return outstanding_.size(); }
  std::size_t awaiting_response() const { return received_.size(); }
  // The peer's requests awaiting our answer are at max_requests_in: further frames are held
  // until respond() makes room, and the owner should not read from the transport meanwhile
  // (no deadline runs while this holds: the silence is ours, and a response may wait unread
  // behind the requests; response timeouts, keepalive and the dead-peer check resume after).
  bool input_paused() const;
  std::optional<time_point> next_deadline() const;

 private:
  struct outstanding_request {
    command_id command;
    time_point deadline;
  };

  // Request: a pdu_body or a submit_sm (defined and used in session.cpp only).
  template <typename Request>
  std::error_code send_request(const Request& request, time_point now, std::uint32_t& sequence);
  std::uint32_t free_sequence() const;
  void queue(const pdu& p, time_point now);
  void push_sent(std::size_t start, time_point now);
  void take_frames(time_point now);
  void handle_frame(std::span<const std::uint8_t> frame, time_point now);
  void handle_undecodable(std::span<const std::uint8_t> frame, std::error_code ec, time_point now);
  void handle_request(pdu&& p, time_point now);
  void handle_response(pdu&& p, time_point now);
  void run_deadlines(time_point now);
  void close(std::error_code reason);
  void reschedule();
  void enter_bound(bind_mode mode, time_point now);
  std::optional<time_point> keepalive_at() const;
  std::optional<time_point> dead_at() const;
  void note_deadline(std::uint32_t seq, time_point deadline);
  bool deadline_live(const std::pair<time_point, std::uint32_t>& entry) const;
  std::optional<time_point> earliest_response_deadline() const;
  void prune_deadlines();

  session_config config_;
  session_state state_ = session_state::open;
  framer framer_;
  std::uint32_t next_sequence_;
  std::map<std::uint32_t, outstanding_request> outstanding_;  // requests we sent
  // The same requests' deadlines, earliest first (each is its send time + response_timeout,
  // so new ones go at the back): next_deadline, run after every PDU, looks at the front
  // instead of at a whole window of requests. An answered request's entry stays until it
  // reaches the front; the queue is rebuilt when such entries outnumber the live ones.
  std::deque<std::pair<time_point, std::uint32_t>> deadline_order_;
  // Requests we must answer; a peer may reuse a sequence_number before we answered.
  std::multimap<std::uint32_t, command_id> received_;
  std::optional<std::uint32_t> enquire_sequence_;  // our pending enquire_link
  std::optional<std::uint32_t> bind_sequence_;     // our pending bind (esme)
  std::optional<bind_mode> pending_bind_;          // mode being bound
  std::string peer_system_id_;                     // from a received bind (smsc)
  time_point last_sent_{};
  time_point last_received_{};
  std::optional<time_point> armed_;
  std::vector<session_action> actions_;
  std::vector<std::uint8_t> output_;  // encoded PDUs not yet taken (take_output)
};

}  // namespace lapord::smpp
