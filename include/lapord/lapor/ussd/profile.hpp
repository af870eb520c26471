#pragma once
// How one carrier's USSD gateway speaks USSD over SMPP (shared/spec/ussd.md, "How USSD travels
// over SMPP"): which ussd_service_op values begin, continue, end or abort a dialogue, where the
// session key is, how replies carry its_session_info, the service_type, the text encoding and
// the longest screen. The defaults follow the common practice the spec describes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/lapor/ussd/screen_text.hpp"

namespace lapord::lapor::ussd {

// ussd_service_op values of SMPP 3.4 (5.3.2.44).
namespace op {
inline constexpr std::uint8_t pssd_indication = 0;
inline constexpr std::uint8_t pssr_indication = 1;
inline constexpr std::uint8_t ussr_request = 2;
inline constexpr std::uint8_t ussn_request = 3;
inline constexpr std::uint8_t pssd_response = 16;
inline constexpr std::uint8_t pssr_response = 17;
inline constexpr std::uint8_t ussr_confirm = 18;
inline constexpr std::uint8_t ussn_confirm = 19;
inline constexpr std::uint8_t vendor_release = 0x81;  // a common vendor abort
}  // namespace op

enum class session_key_source : std::uint8_t {
  its_session_info,        // MSISDN + the session number (octet 1 of its_session_info)
  user_message_reference,  // MSISDN + user_message_reference
  msisdn,                  // the MSISDN alone (one dialogue per phone)
};

enum class session_sequence : std::uint8_t {
  echo,       // the reply carries the sequence number it answers
  increment,  // the reply carries that sequence number + 1 (mod 128)
};

enum class op_meaning : std::uint8_t { begin, next, end, abort };

[[nodiscard]] std::string_view to_string(session_key_source s);
[[nodiscard]] std::string_view to_string(session_sequence s);
[[nodiscard]] std::string_view to_string(op_meaning m);

struct profile {
  std::string name = "default";
  // What an incoming ussd_service_op means. An op in none of the lists aborts the dialogue
  // when unknown_op_aborts (vendors' release codes vary), else the message is ignored.
  std::vector<std::uint8_t> begin_ops{op::pssr_indication};
  std::vector<std::uint8_t> continue_ops{op::ussr_confirm};
  std::vector<std::uint8_t> end_ops{};
  std::vector<std::uint8_t> abort_ops{op::vendor_release};
  bool unknown_op_aborts = true;
  // The op of our replies: a screen that waits for an answer, and the last screen.
  std::uint8_t reply_continue_op = op::ussr_request;
  std::uint8_t reply_end_op = op::pssr_response;
  // Where the session key is; a message without the TLV named falls back to the MSISDN alone.
  session_key_source session_key = session_key_source::its_session_info;
  // Replies echo its_session_info (when the message had it), with the end bit (bit 0 of octet
  // 2) set on the last screen and the sequence (bits 7-1 of octet 2) as `sequence` says.
  bool echo_session_info = true;
  session_sequence sequence = session_sequence::echo;
  // Replies echo user_message_reference when the message had it.
  bool echo_user_message_reference = true;
  // service_type of our replies; an MO with this service_type is USSD even without the op TLV.
  std::string service_type = "USSD";
  screen_encoding encoding = screen_encoding::gsm7;
  std::optional<std::uint8_t> data_coding;  // of our replies; default: the encoding's own
  std::size_t max_screen = 182;             // in the encoding's unit (GSM septets by default)

  bool operator==(const profile&) const = default;
};

// What a message with `service_op` (nullopt: no TLV) means. Without the TLV a message
// continues a known dialogue and begins one otherwise.
[[nodiscard]] op_meaning meaning_of(const profile& p, std::optional<std::uint8_t> service_op,
                                    bool dialogue_known);

// The its_session_info of a reply to `received`: same session number, the sequence as the
// profile says, the end bit set on the last screen.
[[nodiscard]] std::uint16_t reply_session_info(std::uint16_t received, bool last,
                                               session_sequence sequence);

// The data_coding of the profile's replies.
[[nodiscard]] std::uint8_t reply_data_coding(const profile& p);

// Throws std::invalid_argument when the profile contradicts itself (an op in two lists, a
// max_screen of 0 or over what short_message/message_payload can carry).
void check(const profile& p);

}  // namespace lapord::lapor::ussd
