#pragma once
// Errors of the session state machine: refusals of the owner's calls, why a request failed, why
// the session closed, and warnings about a peer's odd traffic.

#include <system_error>

namespace lapord::smpp {

enum class session_error {
  // the owner's call was refused
  wrong_state = 1,      // not legal in the current state (e.g. submit_sm before bound_tx/trx)
  window_full,          // as many requests outstanding as the window allows
  not_a_request,        // send() was given a response body
  no_such_request,      // respond(): no received request with that sequence awaits an answer
  wrong_response_type,  // respond(): that body does not answer that request
  // why a request failed (request_failed::reason)
  response_timeout,   // no response within response_timeout
  connection_closed,  // the session closed before the response came
  // why the session closed (close_connection::reason; also codec errors and a bind_resp's
  // command_status, e.g. ESME_RINVPASWD)
  peer_dead,     // nothing received for twice the enquire_link interval
  bind_timeout,  // no bind_resp within response_timeout
  peer_unbound,  // the peer sent unbind (answered with unbind_resp)
  unbound,       // our unbind was answered, or its response timed out
  // warnings (protocol_warning::what): the session carried on
  unexpected_response,     // a response whose sequence_number matches nothing outstanding
  mismatched_response,     // a response of a different type than the request with that sequence
  peer_generic_nack,       // the peer sent generic_nack with no matching request (e.g. sequence 0)
  request_in_wrong_state,  // the peer sent a request not legal now (answered ESME_RINVBNDSTS)
  undecodable_pdu,         // the peer sent a PDU we could not decode (answered with an error)
};

const std::error_category& session_category() noexcept;

inline std::error_code make_error_code(session_error e) noexcept {
  return {static_cast<int>(e), session_category()};
}

}  // namespace lapord::smpp

template <>
struct std::is_error_code_enum<lapord::smpp::session_error> : std::true_type {};
