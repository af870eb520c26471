#include "lapord/smpp/session.hpp"

#include <algorithm>
#include <utility>

#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/codec_error.hpp"
#include "smpp/session_rules.hpp"

namespace lapord::smpp {
namespace {

using namespace rules;

constexpr std::uint32_t max_sequence = 0x7FFFFFFF;

constexpr std::uint32_t after(std::uint32_t seq) {
  return seq >= max_sequence ? 1 : seq + 1;
}

pdu make_pdu(pdu_body body, std::uint32_t seq, command_status status = command_status::esme_rok) {
  pdu p;
  p.status = status;
  p.sequence_number = seq;
  p.body = std::move(body);
  return p;
}

}  // namespace

session::session(session_config config)
    : config_(config),
      framer_(config.max_pdu_size),
      next_sequence_(config.first_sequence == 0 || config.first_sequence > max_sequence
                         ? 1
                         : config.first_sequence) {}

// --- the owner's calls --------------------------------------------------------------------

std::error_code session::bind(bind_mode mode, const bind_fields& fields, time_point now) {
  std::uint32_t seq = 0;
  switch (mode) {
    case bind_mode::transmitter:
      return send(bind_transmitter{fields}, now, seq);
    case bind_mode::receiver:
      return send(bind_receiver{fields}, now, seq);
    case bind_mode::transceiver:
      return send(bind_transceiver{fields}, now, seq);
  }
  return session_error::wrong_state;
}

template <typename Request>
std::error_code session::send_request(const Request& request, time_point now,
                                      std::uint32_t& sequence) {
  command_id id{};
  if constexpr (std::is_same_v<Request, pdu_body>) {
    id = std::visit([](const auto& b) { return std::decay_t<decltype(b)>::id; }, request);
  } else {
    id = Request::id;
  }
  if (is_response(id)) return session_error::not_a_request;
  if (state_ == session_state::closed) return session_error::wrong_state;

  const auto mode = mode_of(id);
  if (mode) {
    if (config_.role != session_role::esme || state_ != session_state::open) {
      return session_error::wrong_state;
    }
  } else if (id == command_id::unbind) {
    if (!is_bound_state(state_)) return session_error::wrong_state;
  } else if (!may_send(config_.role, state_, id)) {
    return session_error::wrong_state;
  }
  const bool windowed = takes_response(id) && !mode && id != command_id::unbind;
  if (windowed && outstanding_.size() >= config_.window) return session_error::window_full;

  const auto seq = free_sequence();
  const auto start = output_.size();
  if (auto ec = encode(request, command_status::esme_rok, seq, output_)) return ec;
  next_sequence_ = after(seq);
  sequence = seq;
  if (takes_response(id)) {
    outstanding_[seq] = {id, now + config_.response_timeout};
    note_deadline(seq, now + config_.response_timeout);
  }
  push_sent(start, now);
  if (mode) {
    state_ = session_state::binding;
    pending_bind_ = mode;
    bind_sequence_ = seq;
  } else if (id == command_id::unbind) {
    state_ = session_state::unbinding;
  }
  return {};
}

std::error_code session::send(const pdu_body& request, time_point now, std::uint32_t& sequence) {
  auto ec = send_request(request, now, sequence);
  reschedule();
  return ec;
}

std::error_code session::send(const submit_sm& request, time_point now, std::uint32_t& sequence) {
  auto ec = send_request(request, now, sequence);
  reschedule();
  return ec;
}

std::error_code session::respond(std::uint32_t sequence, command_status status, time_point now) {
  if (state_ == session_state::closed) return session_error::wrong_state;
  const auto it = received_.find(sequence);  // the oldest with this number
  if (it == received_.end()) return session_error::no_such_request;
  const auto body = default_response(it->second);
  if (!body) return session_error::wrong_response_type;  // every answerable request has one
  return respond(sequence, status, *body, now);
}

std::error_code session::respond(std::uint32_t sequence, command_status status,
                                 const pdu_body& response, time_point now) {
  if (state_ == session_state::closed) return session_error::wrong_state;
  const auto id = std::visit([](const auto& b) { return std::decay_t<decltype(b)>::id; }, response);
  // A peer may reuse a sequence_number while the first request is unanswered: each request is
  // answered once, the oldest of those this response fits first.
  const auto [first, last] = received_.equal_range(sequence);
  if (first == last) return session_error::no_such_request;
  const auto it = std::find_if(first, last, [&](const auto& r) {
    return id == response_to(r.second) || id == command_id::generic_nack;
  });
  if (it == last) return session_error::wrong_response_type;
  const auto request = it->second;
  const auto start = output_.size();
  if (auto ec = encode(response, status, sequence, output_)) return ec;
  received_.erase(it);
  push_sent(start, now);
  // smsc: our answer to a bind decides the state.
  if (const auto mode = mode_of(request); mode && state_ == session_state::binding) {
    if (status == command_status::esme_rok && id != command_id::generic_nack) {
      enter_bound(*mode, now);
    } else {
      state_ = session_state::open;
      pending_bind_.reset();
    }
  }
  // Answering made room: frames held back by the cap are taken now.
  take_frames(now);
  reschedule();
  return {};
}

void session::unbind(time_point now) {
  if (is_bound_state(state_)) {
    std::uint32_t seq = 0;
    (void)send_request(smpp::unbind{}, now, seq);  // cannot fail in a bound state
  } else if (state_ == session_state::open || state_ == session_state::binding) {
    close(session_error::unbound);
  }
  reschedule();
}

void session::on_bytes(std::span<const std::uint8_t> bytes, time_point now) {
  if (state_ == session_state::closed || bytes.empty()) return;
  last_received_ = now;
  framer_.feed(bytes);
  take_frames(now);
  run_deadlines(now);
  reschedule();
}

void session::take_frames(time_point now) {
  // While the peer's requests awaiting our answer are at the cap, further frames stay in the
  // framer: the owner stops reading (input_paused), so memory stays bounded whatever the peer
  // sends, and the frames are taken in order once answers make room.
  while (state_ != session_state::closed && !input_paused()) {
    std::span<const std::uint8_t> frame;
    if (auto ec = framer_.next(frame)) {
      // SMPP 3.4 2.9: a PDU we cannot frame is nacked; the stream is lost, so we close.
      if (const auto bad = framer_.error_header()) {
        actions_.push_back(
            pdu_seen{pdu_direction::received, static_cast<command_id>(bad->command_id),
                     static_cast<command_status>(bad->command_status), bad->command_length});
      }
      queue(make_pdu(generic_nack{}, framer_.error_sequence().value_or(0),
                     command_status::esme_rinvcmdlen),
            now);
      close(ec);
      break;
    }
    if (frame.empty()) break;
    handle_frame(frame, now);
  }
}

void session::on_timer(time_point now) {
  run_deadlines(now);
  reschedule();
}

void session::on_transport_closed(time_point) {
  close(session_error::connection_closed);
  reschedule();
}

std::vector<session_action> session::take_actions() {
  return std::exchange(actions_, {});
}

void session::take_actions(std::vector<session_action>& out) {
  out.clear();
  out.swap(actions_);
}

void session::take_output(std::vector<std::uint8_t>& out) {
  if (out.empty()) {
    out.swap(output_);
  } else {
    out.insert(out.end(), output_.begin(), output_.end());
  }
  output_.clear();
}

bool session::is_bound() const {
  return is_bound_state(state_);
}

bool session::input_paused() const {
  return config_.max_requests_in != 0 && received_.size() >= config_.max_requests_in;
}

bool session::can_submit() const {
  const auto main =
      config_.role == session_role::esme ? command_id::submit_sm : command_id::deliver_sm;
  return may_send(config_.role, state_, main) && outstanding_.size() < config_.window;
}

// --- inside -------------------------------------------------------------------------------

std::uint32_t session::free_sequence() const {
  auto seq = next_sequence_;
  while (outstanding_.count(seq) != 0 || enquire_sequence_ == seq)
    seq = after(seq);
  return seq;
}

void session::queue(const pdu& p, time_point now) {
  const auto start = output_.size();
  // Only PDUs we build ourselves come here (empty bodies): encoding them cannot fail.
  if (encode(p, output_)) return;
  push_sent(start, now);
}

// Every PDU we send goes through here, its bytes just encoded at output_[start...]: its
// pdu_seen.
void session::push_sent(std::size_t start, time_point now) {
  // encode wrote a whole PDU
  const auto header = *read_header(std::span<const std::uint8_t>(output_).subspan(start));
  actions_.push_back(pdu_seen{pdu_direction::sent, static_cast<command_id>(header.command_id),
                              static_cast<command_status>(header.command_status),
                              header.command_length});
  last_sent_ = now;
}

void session::handle_frame(std::span<const std::uint8_t> frame, time_point now) {
  const auto header = *read_header(frame);  // the framer yields at least 16 octets
  actions_.push_back(pdu_seen{pdu_direction::received, static_cast<command_id>(header.command_id),
                              static_cast<command_status>(header.command_status),
                              header.command_length});
  pdu p;
  if (auto ec = decode(frame, p)) {
    handle_undecodable(frame, ec, now);
    return;
  }
  if (is_response(p.command())) {
    handle_response(std::move(p), now);
  } else {
    handle_request(std::move(p), now);
  }
}

void session::handle_undecodable(std::span<const std::uint8_t> frame, std::error_code ec,
                                 time_point now) {
  const auto header = *read_header(frame);  // the framer yields at least 16 octets
  const auto id = static_cast<command_id>(header.command_id);
  const auto seq = header.sequence_number;
  actions_.push_back(protocol_warning{ec, seq});
  if (is_response(id)) {
    // A response we cannot read still ends its request.
    if (const auto it = outstanding_.find(seq); it != outstanding_.end()) {
      const auto request = it->second.command;
      outstanding_.erase(it);
      if (bind_sequence_ == seq) {
        close(ec);
      } else {
        actions_.push_back(request_failed{seq, request, ec});
      }
    }
    return;
  }
  const auto response = default_response(id);
  if (ec == codec_error::unknown_command_id || ec == codec_error::unsupported_command_id ||
      !response) {
    queue(make_pdu(generic_nack{}, seq, status_for(ec)), now);
  } else {
    queue(make_pdu(*response, seq, status_for(ec)), now);
  }
}

void session::handle_request(pdu&& p, time_point now) {
  const auto id = p.command();
  const auto seq = p.sequence_number;
  if (id == command_id::enquire_link) {
    queue(make_pdu(enquire_link_resp{}, seq), now);
    return;
  }
  if (id == command_id::unbind) {
    queue(make_pdu(unbind_resp{}, seq), now);
    close(session_error::peer_unbound);
    return;
  }
  if (!may_receive(config_.role, state_, id)) {
    actions_.push_back(protocol_warning{session_error::request_in_wrong_state, seq});
    if (const auto response = default_response(id)) {
      const bool already_bound = mode_of(id) && is_bound_state(state_);
      queue(
          make_pdu(*response, seq,
                   already_bound ? command_status::esme_ralybnd : command_status::esme_rinvbndsts),
          now);
    }
    return;
  }
  if (takes_response(id)) received_.emplace(seq, id);
  if (const auto mode = mode_of(id)) {  // smsc: the owner checks the credentials
    state_ = session_state::binding;
    pending_bind_ = mode;
    peer_system_id_ = std::visit(
        [](const auto& b) -> std::string {
          if constexpr (std::is_base_of_v<bind_fields, std::decay_t<decltype(b)>>) {
            return b.system_id;
          } else {
            return {};
          }
        },
        p.body);
  }
  // Built in place in the vector: the request (an MO's strings) is moved once, not twice.
  actions_.emplace_back(std::in_place_type<request_received>, std::move(p));
}

void session::handle_response(pdu&& p, time_point now) {
  const auto id = p.command();
  const auto seq = p.sequence_number;
  if (enquire_sequence_ == seq &&
      (id == command_id::enquire_link_resp || id == command_id::generic_nack)) {
    enquire_sequence_.reset();  // any answer proves the peer alive
    return;
  }
  const auto it = outstanding_.find(seq);
  if (it == outstanding_.end()) {
    actions_.push_back(protocol_warning{id == command_id::generic_nack
                                            ? session_error::peer_generic_nack
                                            : session_error::unexpected_response,
                                        seq});
    return;
  }
  const auto request = it->second.command;
  outstanding_.erase(it);
  if (id != response_to(request) && id != command_id::generic_nack) {
    actions_.push_back(protocol_warning{session_error::mismatched_response, seq});
    if (bind_sequence_ == seq) {
      close(session_error::mismatched_response);
    } else {
      actions_.push_back(request_failed{seq, request, session_error::mismatched_response});
    }
    return;
  }
  if (bind_sequence_ == seq) {
    bind_sequence_.reset();
    if (p.status == command_status::esme_rok && id != command_id::generic_nack) {
      std::visit(
          [&](const auto& b) {
            if constexpr (std::is_base_of_v<bind_resp_fields, std::decay_t<decltype(b)>>) {
              peer_system_id_ = b.system_id;
            }
          },
          p.body);
      enter_bound(*pending_bind_, now);
    } else {
      // A refused bind (ESME_RINVPASWD, ...) closes with that status as the reason; a
      // generic_nack with status 0 makes no sense but must not count as success.
      close(p.status != command_status::esme_rok ? std::error_code(p.status)
                                                 : session_error::mismatched_response);
    }
    return;
  }
  if (request == command_id::unbind) {
    close(session_error::unbound);
    return;
  }
  const auto status = p.status;
  actions_.emplace_back(std::in_place_type<response_received>, request, std::move(p));
  if (asks_back_off(status)) actions_.push_back(back_off{seq, status});
}

void session::enter_bound(bind_mode mode, time_point now) {
  state_ = bound_state(mode);
  pending_bind_.reset();
  last_sent_ = now;
  last_received_ = now;
  actions_.push_back(bound{state_, peer_system_id_});
}

std::optional<time_point> session::keepalive_at() const {
  if (!is_bound_state(state_) || config_.enquire_link_interval.count() <= 0 || enquire_sequence_) {
    return std::nullopt;
  }
  return std::max(last_sent_, last_received_) + config_.enquire_link_interval;
}

std::optional<time_point> session::dead_at() const {
  // Input paused: the owner is not reading, so a silence says nothing about the peer.
  if (!is_bound_state(state_) || config_.enquire_link_interval.count() <= 0 || input_paused()) {
    return std::nullopt;
  }
  return last_received_ + 2 * config_.enquire_link_interval;
}

void session::run_deadlines(time_point now) {
  // While input is paused a response may sit unread behind the peer's requests: timing it out
  // would send a submit_sm again (a duplicate SMS) or drop the link for an enquire_link the
  // peer did answer. Deadlines resume once the held frames are taken.
  if (state_ == session_state::closed || input_paused()) return;
  if (const auto dead = dead_at(); dead && *dead <= now) {
    close(session_error::peer_dead);
    return;
  }
  for (auto it = outstanding_.begin(); it != outstanding_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    const auto seq = it->first;
    const auto request = it->second.command;
    it = outstanding_.erase(it);
    if (bind_sequence_ == seq) {
      close(session_error::bind_timeout);
      return;
    }
    if (request == command_id::unbind) {
      close(session_error::unbound);
      return;
    }
    actions_.push_back(request_failed{seq, request, session_error::response_timeout});
  }
  if (const auto at = keepalive_at(); at && *at <= now) {
    const auto seq = free_sequence();
    next_sequence_ = after(seq);
    enquire_sequence_ = seq;
    queue(make_pdu(enquire_link{}, seq), now);
  }
}

void session::close(std::error_code reason) {
  if (state_ == session_state::closed) return;
  state_ = session_state::closed;
  for (const auto& [seq, req] : outstanding_) {
    if (seq != bind_sequence_ && req.command != command_id::unbind) {
      actions_.push_back(request_failed{seq, req.command, session_error::connection_closed});
    }
  }
  outstanding_.clear();
  deadline_order_.clear();
  received_.clear();
  enquire_sequence_.reset();
  bind_sequence_.reset();
  pending_bind_.reset();
  actions_.push_back(close_connection{reason});
}

void session::reschedule() {
  prune_deadlines();
  const auto next = next_deadline();
  if (next == armed_) return;
  armed_ = next;
  if (next) {
    actions_.push_back(arm_timer{*next});
  } else {
    actions_.push_back(cancel_timer{});
  }
}

}  // namespace lapord::smpp
