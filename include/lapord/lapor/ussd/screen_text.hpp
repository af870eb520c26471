#pragma once
// What a USSD screen costs and how it goes on the wire in a carrier's encoding. A screen is
// limited by the carrier (182 GSM septets is the usual figure); the cost is counted in the
// encoding's own unit: septets for GSM 03.38 (extension characters count 2), UTF-16 code units
// for UCS-2, octets for Latin-1 and IA5.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapord::lapor::ussd {

enum class screen_encoding : std::uint8_t {
  gsm7,         // GSM 03.38, one septet per octet (what most SMPP gateways expect), dcs 0x00
  gsm7_packed,  // GSM 03.38 packed 8 septets in 7 octets, dcs 0x00
  ucs2,         // UTF-16BE, dcs 0x08
  latin1,       // ISO-8859-1, dcs 0x03
  ia5,          // IA5 / ASCII, dcs 0x01
};

[[nodiscard]] std::string_view to_string(screen_encoding e);
[[nodiscard]] std::optional<screen_encoding> parse_screen_encoding(std::string_view name);

// The data_coding an encoding is declared with by default.
[[nodiscard]] std::uint8_t default_data_coding(screen_encoding e);

// The cost of a UTF-8 text in `e`'s unit. A character the encoding cannot carry costs what its
// replacement ('?') costs, since that is what goes out.
[[nodiscard]] std::size_t screen_cost(std::string_view utf8, screen_encoding e);

// The longest prefix of `utf8` that costs at most `max` in `e`, cut on a character boundary
// (never inside a UTF-8 sequence, a GSM escape pair or a surrogate pair). When it has to cut
// and `max` allows, the cut text ends with ".." so the citizen sees it was shortened.
[[nodiscard]] std::string fit_screen(std::string_view utf8, screen_encoding e, std::size_t max);

// The short_message octets of a screen in `e`; characters `e` cannot carry become '?'.
[[nodiscard]] std::string encode_screen(std::string_view utf8, screen_encoding e);

}  // namespace lapord::lapor::ussd
