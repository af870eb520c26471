#pragma once
// The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 6.2.1 and 6.2.1.1),
// without national language shift tables, and the packing of septets into octets (6.1.2.1).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::text {

inline constexpr std::uint8_t gsm_escape = 0x1B;
inline constexpr std::size_t gsm_single_segment_septets = 160;
inline constexpr std::size_t gsm_concat_segment_septets = 153;  // 160 minus a 6-octet UDH

// The character a septet (0..0x7F) stands for in the default table. 0x1B (the escape) has none
// of its own and yields U+00A0 NO-BREAK SPACE, as 23.038 suggests for display.
char32_t gsm_default_char(std::uint8_t septet);

// The character ESC + `septet` stands for in the extension table, if any.
std::optional<char32_t> gsm_extension_char(std::uint8_t septet);

// How a character is written in GSM 7-bit: one septet, or ESC then `septet` when `extended`.
struct gsm_code {
  std::uint8_t septet = 0;
  bool extended = false;
};
std::optional<gsm_code> gsm_code_of(char32_t cp);

// Septets `utf8` takes in GSM 7-bit (extension characters count two), or nullopt when some
// character is not in the default alphabet or its extension table (or the UTF-8 is invalid).
std::optional<std::size_t> gsm_septet_count(std::string_view utf8);

// True when `utf8` can go as one GSM 7-bit SMS (at most 160 septets).
bool fits_one_gsm_segment(std::string_view utf8);

// The septets (one per byte, ESC pairs included) for `utf8`, or nullopt as gsm_septet_count.
std::optional<std::vector<std::uint8_t>> gsm_septets_of(std::string_view utf8);

// Appends the text of `septets` (one per byte) to `out`. ESC + a septet without an extension
// character gives the default character (23.038 6.2.1.1), ESC ESC a space; a byte over 0x7F or
// an ESC at the very end gives U+FFFD and sets `replaced`.
void append_gsm_text(std::string& out, std::span<const std::uint8_t> septets, bool& replaced);

// Packs septets 8-into-7 octets, little-endian bit order, after `fill_bits` (0..6) zero bits
// that align the text after a UDH. When the last octet would have 7 spare bits they hold CR,
// and when the text ends with CR exactly on an octet boundary another CR is added, so that
// unpack_septets gives the text back (23.038 6.1.2.3.1).
std::vector<std::uint8_t> pack_septets(std::span<const std::uint8_t> septets,
                                       unsigned fill_bits = 0);

// Unpacks octets into septets, skipping `fill_bits` leading bits. A CR that ends exactly on the
// last octet's boundary is taken as padding and dropped (23.038 6.1.2.3.1).
std::vector<std::uint8_t> unpack_septets(std::span<const std::uint8_t> octets,
                                         unsigned fill_bits = 0);

}  // namespace lapord::text
