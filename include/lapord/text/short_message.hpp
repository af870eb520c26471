#pragma once
// One MO short_message (or message_payload) as it arrives: optional UDH, then text in the
// declared coding. This is what the deliver_sm path calls with the PDU's plain values.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lapord/text/decode.hpp"
#include "lapord/text/udh.hpp"

namespace lapord::text {

struct mo_text {
  std::string utf8;
  bool replaced = false;  // some octets were invalid and became U+FFFD
  alphabet used = alphabet::gsm7;
  udh_status udh = udh_status::none;
  std::optional<concat_info> concat;  // this is one part of a long message (from the UDH)
};

// Decodes a short_message or message_payload (up to 64 KiB, same rules). When esm_class has
// UDHI (0x40) the header is parsed and skipped (with the fill bits for packed 7-bit text); a
// header whose length overruns the message is not taken as a header: then the whole message
// is decoded as text, nothing is dropped, and `udh` says `truncated`.
mo_text read_short_message(std::uint8_t esm_class, std::uint8_t data_coding,
                           std::span<const std::uint8_t> short_message,
                           const decode_options& options = {});

// The text of one MO, SMS or USSD alike (the one reader of both paths): its short_message, or
// its message_payload when short_message is empty and a payload came (a data_sm always), read
// as read_short_message does.
mo_text read_mo_text(std::uint8_t esm_class, std::uint8_t data_coding,
                     std::string_view short_message,
                     std::optional<std::string_view> message_payload,
                     const decode_options& options = {});

}  // namespace lapord::text
