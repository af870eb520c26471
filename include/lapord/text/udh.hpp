#pragma once
// The user data header of a short_message (esm_class UDHI, 3GPP TS 23.040 9.2.3.24) and the
// concatenation information it, or the SAR TLVs, carry.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace lapord::text {

inline constexpr std::uint8_t esm_class_udhi = 0x40;

// Which part of which long message this is.
struct concat_info {
  std::uint16_t reference = 0;
  std::uint8_t total = 0;     // 2..255
  std::uint8_t sequence = 0;  // 1..total
  friend bool operator==(const concat_info&, const concat_info&) = default;
};

enum class udh_status : std::uint8_t {
  none,       // UDHI not set: no header
  ok,         // header read; other IEs skipped
  malformed,  // an IE runs past the header, or a concat IE has a wrong length or values;
              // the header length was sound and is still skipped
  truncated,  // the header length says more octets than the message has: no header taken
};

struct user_data_header {
  udh_status status = udh_status::none;
  std::size_t length = 0;  // octets of the header including its length octet (0 when none)
  std::optional<concat_info> concat;  // from IEI 0x00 (8-bit ref) or 0x08 (16-bit ref)
};

// Reads the header at the start of `short_message` (call only when UDHI is set). The last valid
// concat IE wins (23.040 9.2.3.24.1); one with total < 2, sequence 0 or sequence > total is
// ignored and makes the status `malformed`.
user_data_header parse_udh(std::span<const std::uint8_t> short_message);

// Concat info from SAR TLVs (sar_msg_ref_num, sar_total_segments, sar_segment_seqnum), or
// nullopt when any is absent or the values make no long message.
std::optional<concat_info> concat_from_sar(std::optional<std::uint16_t> reference,
                                           std::optional<std::uint8_t> total,
                                           std::optional<std::uint8_t> sequence);

// Bits of padding after a header of `udh_length` octets so 7-bit packed text starts on a
// septet boundary.
unsigned gsm_fill_bits(std::size_t udh_length);

}  // namespace lapord::text
