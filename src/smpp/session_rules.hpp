#pragma once
// The session's rules as tables: which state each bind mode leads to, which requests each role
// may send and receive in each state, and the response a request gets by default. Private to
// src/smpp; session.cpp asks them, the state machine itself lives there.
#include <optional>

#include "lapord/smpp/pdu.hpp"
#include "lapord/smpp/session.hpp"

namespace lapord::smpp::rules {

bool is_bound_state(session_state s);
session_state bound_state(bind_mode m);
std::optional<bind_mode> mode_of(command_id id);

// Requests that the peer does not answer (SMPP 3.4 4.1.7, 4.12).
bool takes_response(command_id id);

// Whether `role` may send request `id` in state `s`; the SMSC side is its mirror image:
// "transmit" is about messages from the ESME, "receive" about messages to it.
bool may_send(session_role role, session_state s, command_id id);

// Whether the peer of `role` may send request `id` in state `s` (enquire_link and unbind are
// handled before this is asked).
bool may_receive(session_role role, session_state s, command_id id);

// The response body we send when the owner gives none, or when we answer ourselves.
std::optional<pdu_body> default_response(command_id request);

}  // namespace lapord::smpp::rules
