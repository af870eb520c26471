#pragma once
// The USSD gateway's plain messages to and from SMPP: the app's side of the seam, so that the
// lapor layer knows no SMPP types.
#include "lapord/lapor/ussd/gateway.hpp"
#include "lapord/smpp/pdu.hpp"

namespace lapord::app {

// A USSD deliver_sm as the gateway takes it (strings moved out of `d`).
[[nodiscard]] lapor::ussd::message_in ussd_message_of(smpp::deliver_sm&& d);

// A screen as a submit_sm: its octets in short_message, or in message_payload past the 254
// octets short_message can hold.
[[nodiscard]] smpp::submit_sm submit_sm_of(lapor::ussd::message_out&& m);

}  // namespace lapord::app
