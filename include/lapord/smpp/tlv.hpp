#pragma once
// Optional parameters (TLVs, SMPP 3.4 section 5.3). The ones lapord uses are typed fields; any
// other TLV is kept, in wire order, in `other` and re-encoded as it came. decode() also keeps
// the whole TLV section as received (`wire`), for the store's audit copy and redelivery check.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lapord::smpp {

namespace tag {
inline constexpr std::uint16_t receipted_message_id = 0x001E;
inline constexpr std::uint16_t user_message_reference = 0x0204;
inline constexpr std::uint16_t sar_msg_ref_num = 0x020C;
inline constexpr std::uint16_t sar_total_segments = 0x020E;
inline constexpr std::uint16_t sar_segment_seqnum = 0x020F;
inline constexpr std::uint16_t sc_interface_version = 0x0210;
inline constexpr std::uint16_t network_error_code = 0x0423;
inline constexpr std::uint16_t message_payload = 0x0424;
inline constexpr std::uint16_t message_state = 0x0427;
inline constexpr std::uint16_t ussd_service_op = 0x0501;
inline constexpr std::uint16_t its_session_info = 0x1383;
}  // namespace tag

// A TLV this codec does not interpret: tag and raw value octets.
struct tlv {
  std::uint16_t tag = 0;
  std::string value;  // raw octets, NUL bytes kept
  bool operator==(const tlv&) const = default;
};

// network_error_code: 1 octet network type (1 ANSI-136, 2 IS-95, 3 GSM, ...) + 2 octets code.
struct network_error {
  std::uint8_t network_type = 0;
  std::uint16_t error_code = 0;
  bool operator==(const network_error&) const = default;
};

// The decoded values; what encode() writes and what equality compares.
struct tlv_values {
  std::optional<std::string> message_payload;  // octets, up to 65535, NUL bytes kept
  std::optional<std::uint16_t> sar_msg_ref_num;
  std::optional<std::uint8_t> sar_total_segments;
  std::optional<std::uint8_t> sar_segment_seqnum;
  std::optional<std::uint8_t> ussd_service_op;
  std::optional<std::uint16_t> its_session_info;  // session number << 8 | sequence octet
  std::optional<std::uint16_t> user_message_reference;
  std::optional<std::string> receipted_message_id;  // without its terminating NUL
  std::optional<std::uint8_t> message_state;
  std::optional<network_error> network_error_code;
  std::optional<std::uint8_t> sc_interface_version;
  // Every other TLV in wire order; also a second occurrence of a typed one (the first wins).
  std::vector<tlv> other;

  bool operator==(const tlv_values&) const = default;
};

struct tlv_set : tlv_values {
  // The TLV section exactly as decode() read it (tag, length, value ..., wire order, duplicates
  // and unknown tags included); empty for a set built in code. encode() ignores it (it writes
  // the values), and it takes no part in equality: two sets that say the same are equal.
  std::string wire;

  bool empty() const;  // no values (whatever `wire` holds)
  bool operator==(const tlv_set& o) const {
    return static_cast<const tlv_values&>(*this) == static_cast<const tlv_values&>(o);
  }
};

}  // namespace lapord::smpp
