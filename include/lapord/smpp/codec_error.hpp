#pragma once
// Errors of framing, decoding and encoding PDUs. Each maps to the command_status that answers a
// peer whose PDU failed (status_for), so the session can nack with the right code.

#include <system_error>

#include "lapord/smpp/command_status.hpp"

namespace lapord::smpp {

enum class codec_error {
  // framing / header
  command_length_too_small = 1,  // command_length < 16
  command_length_too_large,      // command_length > the configured maximum
  length_mismatch,               // command_length differs from the bytes handed to decode()
  unknown_command_id,            // not a PDU this codec knows (generic_nack ESME_RINVCMDID)
  unsupported_command_id,        // a real SMPP 3.4 PDU lapord does not implement (query_sm, ...)
  // body
  truncated_body,         // a mandatory field runs past the end of the PDU
  unterminated_string,    // a C-Octet String has no NUL before the end of the PDU
  short_message_overrun,  // sm_length points past the end of the PDU
  truncated_tlv,          // a TLV header or value runs past the end of the PDU
  bad_tlv_length,         // a known TLV with a length its type does not allow
  // encoding (we are strict in what we send: never truncate)
  field_too_long,    // a C-Octet String or octet field is over its SMPP 3.4 maximum
  bad_time_format,   // schedule_delivery_time / validity_period neither empty nor 16 chars
  tlv_too_long,      // a TLV value over 65535 octets
  pdu_too_large,     // the encoded PDU would exceed 0xFFFFFFFF octets
  embedded_nul,      // a C-Octet String to encode contains a NUL (it would be cut there)
  body_not_allowed,  // a submit_sm_resp with an error status carries a message_id (4.4.2)
};

const std::error_category& codec_category() noexcept;

inline std::error_code make_error_code(codec_error e) noexcept {
  return {static_cast<int>(e), codec_category()};
}

// The command_status to answer a peer whose PDU failed with `e` (ESME_RINVCMDLEN,
// ESME_RINVCMDID, ESME_RINVMSGLEN, ESME_RINVOPTPARSTREAM, ESME_RINVPARLEN, ...). Errors of other
// categories map to ESME_RSYSERR, a command_status code to itself.
command_status status_for(std::error_code e);

}  // namespace lapord::smpp

template <>
struct std::is_error_code_enum<lapord::smpp::codec_error> : std::true_type {};
