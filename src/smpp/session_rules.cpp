#include "smpp/session_rules.hpp"

namespace lapord::smpp {
namespace {

bool can_transmit(session_state s) {
  return s == session_state::bound_tx || s == session_state::bound_trx;
}

bool can_receive(session_state s) {
  return s == session_state::bound_rx || s == session_state::bound_trx;
}

}  // namespace

std::string_view name(session_state s) {
  switch (s) {
    case session_state::open:
      return "open";
    case session_state::binding:
      return "binding";
    case session_state::bound_tx:
      return "bound_tx";
    case session_state::bound_rx:
      return "bound_rx";
    case session_state::bound_trx:
      return "bound_trx";
    case session_state::unbinding:
      return "unbinding";
    case session_state::closed:
      return "closed";
  }
  return "unknown";
}

namespace rules {

bool is_bound_state(session_state s) {
  return s == session_state::bound_tx || s == session_state::bound_rx ||
         s == session_state::bound_trx;
}

session_state bound_state(bind_mode m) {
  switch (m) {
    case bind_mode::transmitter:
      return session_state::bound_tx;
    case bind_mode::receiver:
      return session_state::bound_rx;
    case bind_mode::transceiver:
      return session_state::bound_trx;
  }
  return session_state::bound_trx;
}

std::optional<bind_mode> mode_of(command_id id) {
  switch (id) {
    case command_id::bind_transmitter:
      return bind_mode::transmitter;
    case command_id::bind_receiver:
      return bind_mode::receiver;
    case command_id::bind_transceiver:
      return bind_mode::transceiver;
    default:
      return std::nullopt;
  }
}

bool takes_response(command_id id) {
  return id != command_id::outbind && id != command_id::alert_notification;
}

bool may_send(session_role role, session_state s, command_id id) {
  const bool esme = role == session_role::esme;
  switch (id) {
    case command_id::enquire_link:
      return is_bound_state(s);
    case command_id::submit_sm:
      return esme && can_transmit(s);
    case command_id::data_sm:
      return esme ? can_transmit(s) : can_receive(s);
    case command_id::deliver_sm:
    case command_id::alert_notification:
      return !esme && can_receive(s);
    case command_id::outbind:
      return !esme && s == session_state::open;
    default:
      return false;
  }
}

bool may_receive(session_role role, session_state s, command_id id) {
  const bool esme = role == session_role::esme;
  switch (id) {
    case command_id::deliver_sm:
    case command_id::alert_notification:
      return esme && can_receive(s);
    case command_id::data_sm:
      return esme ? can_receive(s) : can_transmit(s);
    case command_id::submit_sm:
      return !esme && can_transmit(s);
    case command_id::outbind:
      return esme && s == session_state::open;
    case command_id::bind_transmitter:
    case command_id::bind_receiver:
    case command_id::bind_transceiver:
      return !esme && s == session_state::open;
    default:
      return false;
  }
}

std::optional<pdu_body> default_response(command_id request) {
  switch (request) {
    case command_id::bind_transmitter:
      return bind_transmitter_resp{};
    case command_id::bind_receiver:
      return bind_receiver_resp{};
    case command_id::bind_transceiver:
      return bind_transceiver_resp{};
    case command_id::unbind:
      return unbind_resp{};
    case command_id::enquire_link:
      return enquire_link_resp{};
    case command_id::submit_sm:
      return submit_sm_resp{};
    case command_id::deliver_sm:
      return deliver_sm_resp{};
    case command_id::data_sm:
      return data_sm_resp{};
    default:
      return std::nullopt;
  }
}
}  // namespace rules
}  // namespace lapord::smpp
