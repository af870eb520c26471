#pragma once
// MT messages (replies and notifications): choose the alphabet, split into segments.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "lapord/text/decode.hpp"

namespace lapord::text {

inline constexpr std::size_t ucs2_single_segment_units = 70;
inline constexpr std::size_t ucs2_concat_segment_units = 67;  // 140 octets minus a 6-octet UDH
inline constexpr std::size_t max_message_payload_octets = 65535;

// How a long MT goes out, per carrier.
enum class concat_method : std::uint8_t {
  udh,              // 8-bit-reference UDH (IEI 0x00) in each short_message, esm_class 0x40
  sar,              // the same segments, numbered by SAR TLVs instead of a UDH
  message_payload,  // one PDU, the whole text in the message_payload TLV
};

struct encode_options {
  concat_method method = concat_method::udh;
  bool gsm_packed = false;              // pack 7-bit text 8 septets in 7 octets
  std::uint8_t gsm_data_coding = 0x00;  // data_coding sent with GSM 7-bit text
  std::uint16_t reference = 0;          // the caller's running reference (UDH uses its low byte)
};

// Values for the sar_msg_ref_num, sar_total_segments and sar_segment_seqnum TLVs.
struct sar_fields {
  std::uint16_t reference = 0;
  std::uint8_t total = 0;
  std::uint8_t sequence = 0;
  friend bool operator==(const sar_fields&, const sar_fields&) = default;
};

struct mt_segment {
  std::uint8_t data_coding = 0;
  std::uint8_t esm_class = 0;       // 0x40 (UDHI) when `bytes` starts with a UDH
  std::vector<std::uint8_t> bytes;  // short_message (message_payload with that method)
  std::optional<sar_fields> sar;    // set with concat_method::sar on a long message
};

struct encoded_mt {
  alphabet used = alphabet::gsm7;  // gsm7 or ucs2
  bool replaced = false;           // invalid UTF-8 in the input was sent as U+FFFD
  bool too_long = false;  // would need more than 255 segments (or 64 KiB): `segments` empty
  std::vector<mt_segment> segments;
};

// Encodes `utf8` in GSM 7-bit when every character is in the default alphabet or its extension
// table, else UCS-2; one segment when it fits (160 septets / 70 UTF-16 units), else segments of
// at most 153 / 67, never splitting an ESC pair or a surrogate pair.
encoded_mt encode_mt(std::string_view utf8, const encode_options& options = {});

// What a text costs as an SMS (unpacked rules): alphabet, septets or UTF-16 units, segments.
struct sms_size {
  alphabet used = alphabet::gsm7;
  std::size_t units = 0;
  std::size_t segments = 1;
};
sms_size measure(std::string_view utf8);

}  // namespace lapord::text
