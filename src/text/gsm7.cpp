#include "lapord/text/gsm7.hpp"

#include <array>
#include <cstring>

#include "lapord/text/utf8.hpp"

namespace lapord::text {
namespace {

// 3GPP TS 23.038 table 6.2.1, indexed by septet.
constexpr std::array<char32_t, 128> default_table = {
    U'@',      U'\u00A3', U'$',      U'\u00A5', U'\u00E8', U'\u00E9', U'\u00F9', U'\u00EC',
    U'\u00F2', U'\u00C7', U'\n',     U'\u00D8', U'\u00F8', U'\r',     U'\u00C5', U'\u00E5',
    U'\u0394', U'_',      U'\u03A6', U'\u0393', U'\u039B', U'\u03A9', U'\u03A0', U'\u03A8',
    U'\u03A3', U'\u0398', U'\u039E', U'\u00A0', U'\u00C6', U'\u00E6', U'\u00DF', U'\u00C9',
    U' ',      U'!',      U'"',      U'#',      U'\u00A4', U'%',      U'&',      U'\'',
    U'(',      U')',      U'*',      U'+',      U',',      U'-',      U'.',      U'/',
    U'0',      U'1',      U'2',      U'3',      U'4',      U'5',      U'6',      U'7',
    U'8',      U'9',      U':',      U';',      U'<',      U'=',      U'>',      U'?',
    U'\u00A1', U'A',      U'B',      U'C',      U'D',      U'E',      U'F',      U'G',
    U'H',      U'I',      U'J',      U'K',      U'L',      U'M',      U'N',      U'O',
    U'P',      U'Q',      U'R',      U'S',      U'T',      U'U',      U'V',      U'W',
    U'X',      U'Y',      U'Z',      U'\u00C4', U'\u00D6', U'\u00D1', U'\u00DC', U'\u00A7',
    U'\u00BF', U'a',      U'b',      U'c',      U'd',      U'e',      U'f',      U'g',
    U'h',      U'i',      U'j',      U'k',      U'l',      U'm',      U'n',      U'o',
    U'p',      U'q',      U'r',      U's',      U't',      U'u',      U'v',      U'w',
    U'x',      U'y',      U'z',      U'\u00E4', U'\u00F6', U'\u00F1', U'\u00FC', U'\u00E0',
};

// 3GPP TS 23.038 table 6.2.1.1 (the default extension table), septet after ESC.
struct extension_entry {
  std::uint8_t septet;
  char32_t cp;
};
constexpr std::array<extension_entry, 10> extension_table = {{
    {0x0A, U'\f'},
    {0x14, U'^'},
    {0x28, U'{'},
    {0x29, U'}'},
    {0x2F, U'\\'},
    {0x3C, U'['},
    {0x3D, U'~'},
    {0x3E, U']'},
    {0x40, U'|'},
    {0x65, U'\u20AC'},
}};

constexpr std::uint8_t carriage_return = 0x0D;

// Each septet of the default table in UTF-8, its length in the last byte: a septet is one copy
// of four bytes and a step of that length (the MO's decode, every message).
constexpr std::array<std::array<char, 4>, 128> default_utf8 = [] {
  std::array<std::array<char, 4>, 128> t{};
  for (std::size_t septet = 0; septet < t.size(); ++septet) {
    char* end = put_utf8(t[septet].data(), default_table[septet]);
    t[septet][3] = static_cast<char>(end - t[septet].data());
  }
  return t;
}();

}  // namespace

char32_t gsm_default_char(std::uint8_t septet) {
  return default_table[septet & 0x7F];
}

std::optional<char32_t> gsm_extension_char(std::uint8_t septet) {
  for (const auto& entry : extension_table) {
    if (entry.septet == septet) return entry.cp;
  }
  return std::nullopt;
}

namespace {

// The reverse of the two tables, built at compile time: every reply goes through gsm_code_of
// once per character, and a scan of 138 entries per character was 9 % of lapord's CPU under a
// flood. An entry is the septet, with `extended_bit` for ESC + septet; `no_code` for none.
// Code points below 0x100 are a direct index; the dozen above (Greek capitals, the euro sign)
// are scanned.
constexpr std::uint8_t no_code = 0xFF;
constexpr std::uint8_t extended_bit = 0x80;

struct high_entry {
  char32_t cp;
  std::uint8_t code;
};

constexpr std::array<std::uint8_t, 256> latin1_codes = [] {
  std::array<std::uint8_t, 256> t{};
  for (auto& c : t)
    c = no_code;
  // Lowest septet first wins, as in the table; the escape septet stands for no character.
  for (std::size_t septet = default_table.size(); septet-- > 0;) {
    if (septet != gsm_escape && default_table[septet] < 0x100) {
      t[default_table[septet]] = static_cast<std::uint8_t>(septet);
    }
  }
  for (const auto& entry : extension_table) {
    if (entry.cp < 0x100) t[entry.cp] = static_cast<std::uint8_t>(entry.septet | extended_bit);
  }
  return t;
}();

constexpr std::size_t high_count = [] {
  std::size_t n = 0;
  for (std::size_t septet = 0; septet < default_table.size(); ++septet) {
    if (septet != gsm_escape && default_table[septet] >= 0x100) ++n;
  }
  for (const auto& entry : extension_table) {
    if (entry.cp >= 0x100) ++n;
  }
  return n;
}();

constexpr std::array<high_entry, high_count> high_codes = [] {
  std::array<high_entry, high_count> t{};
  std::size_t n = 0;
  for (const auto& entry : extension_table) {
    if (entry.cp >= 0x100)
      t[n++] = {entry.cp, static_cast<std::uint8_t>(entry.septet | extended_bit)};
  }
  for (std::size_t septet = 0; septet < default_table.size(); ++septet) {
    if (septet != gsm_escape && default_table[septet] >= 0x100) {
      t[n++] = {default_table[septet], static_cast<std::uint8_t>(septet)};
    }
  }
  return t;
}();

std::uint8_t code_entry_of(char32_t cp) {
  if (cp < latin1_codes.size()) return latin1_codes[cp];
  for (const auto& entry : high_codes) {
    if (entry.cp == cp) return entry.code;
  }
  return no_code;
}

std::optional<gsm_code> code_from(std::uint8_t entry) {
  if (entry == no_code) return std::nullopt;
  return gsm_code{static_cast<std::uint8_t>(entry & 0x7F), (entry & extended_bit) != 0};
}

}  // namespace

std::optional<gsm_code> gsm_code_of(char32_t cp) {
  return code_from(code_entry_of(cp));
}

std::optional<std::vector<std::uint8_t>> gsm_septets_of(std::string_view utf8) {
  // Every reply is encoded here: written in place into room for the most a byte can give (an
  // ASCII '{' is ESC and a septet), then cut to size, with no capacity check per character.
  std::vector<std::uint8_t> septets(2 * utf8.size());
  std::uint8_t* o = septets.data();
  bool invalid = false;
  for (std::size_t pos = 0; pos < utf8.size();) {
    // ASCII, nearly every character of a reply, straight from the table.
    const auto byte = static_cast<unsigned char>(utf8[pos]);
    const std::uint8_t entry =
        byte < 0x80 ? latin1_codes[byte] : code_entry_of(next_code_point(utf8, pos, &invalid));
    if (byte < 0x80) ++pos;
    if (invalid || entry == no_code) return std::nullopt;
    if ((entry & extended_bit) != 0) *o++ = gsm_escape;
    *o++ = static_cast<std::uint8_t>(entry & 0x7F);
  }
  septets.resize(static_cast<std::size_t>(o - septets.data()));
  return septets;
}

std::optional<std::size_t> gsm_septet_count(std::string_view utf8) {
  std::size_t count = 0;
  bool invalid = false;
  for (std::size_t pos = 0; pos < utf8.size();) {
    const auto code = gsm_code_of(next_code_point(utf8, pos, &invalid));
    if (invalid || !code) return std::nullopt;
    count += code->extended ? 2 : 1;
  }
  return count;
}

bool fits_one_gsm_segment(std::string_view utf8) {
  const auto count = gsm_septet_count(utf8);
  return count && *count <= gsm_single_segment_septets;
}

void append_gsm_text(std::string& out, std::span<const std::uint8_t> septets, bool& replaced) {
  // Every MO is decoded here on the network thread. Written in place into room for the longest
  // outcome, then cut to size: no capacity check per character. A septet is at most 3 UTF-8
  // bytes (U+FFFD, the euro sign; an ESC pair makes one character of at most 3).
  // One more byte of room: a septet's four bytes are copied whole.
  const std::size_t start = out.size();
  out.resize(start + 3 * septets.size() + 1);
  char* o = out.data() + start;
  auto put = [&o](char32_t cp) { o = put_utf8(o, cp); };
  for (std::size_t i = 0; i < septets.size(); ++i) {
    const std::uint8_t septet = septets[i];
    if (septet <= 0x7F && septet != gsm_escape) {
      const std::array<char, 4>& utf8 = default_utf8[septet];
      std::memcpy(o, utf8.data(), utf8.size());
      o += utf8[3];
    } else if (septet > 0x7F) {
      put(replacement_character);
      replaced = true;
    } else if (i + 1 == septets.size() || septets[i + 1] > 0x7F) {
      put(replacement_character);
      replaced = true;
    } else {
      const std::uint8_t next = septets[++i];
      if (next == gsm_escape) {
        put(U' ');  // reserved for a second extension table: shown as a space
      } else if (const auto extended = gsm_extension_char(next)) {
        put(*extended);
      } else {
        put(default_table[next]);
      }
    }
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
}

std::vector<std::uint8_t> pack_septets(std::span<const std::uint8_t> input, unsigned fill_bits) {
  if (input.empty()) return {};
  std::vector<std::uint8_t> septets(input.begin(), input.end());
  fill_bits %= 7;
  auto spare_bits = [&] { return (8 - (fill_bits + 7 * septets.size()) % 8) % 8; };
  if (!septets.empty() && spare_bits() == 0 && septets.back() == carriage_return) {
    septets.push_back(carriage_return);  // a wanted CR must not look like padding
  }
  if (spare_bits() == 7) septets.push_back(carriage_return);  // padding the receiver drops
  const std::size_t bits = fill_bits + 7 * septets.size();
  std::vector<std::uint8_t> octets((bits + 7) / 8, 0);
  std::size_t bit = fill_bits;
  for (const std::uint8_t septet : septets) {
    const unsigned value = septet & 0x7Fu;
    const std::size_t index = bit / 8;
    const unsigned shift = bit % 8;
    octets[index] = static_cast<std::uint8_t>(octets[index] | (value << shift));
    if (shift > 1) octets[index + 1] = static_cast<std::uint8_t>(value >> (8 - shift));
    bit += 7;
  }
  return octets;
}

std::vector<std::uint8_t> unpack_septets(std::span<const std::uint8_t> octets, unsigned fill_bits) {
  std::vector<std::uint8_t> septets;
  fill_bits %= 7;
  const std::size_t total_bits = octets.size() * 8;
  if (total_bits < fill_bits) return septets;
  const std::size_t usable = total_bits - fill_bits;
  const std::size_t count = usable / 7;
  septets.reserve(count);
  for (std::size_t n = 0; n < count; ++n) {
    const std::size_t bit = fill_bits + 7 * n;
    const std::size_t index = bit / 8;
    const unsigned shift = bit % 8;
    unsigned value = static_cast<unsigned>(octets[index]) >> shift;
    if (shift > 1) value |= static_cast<unsigned>(octets[index + 1]) << (8 - shift);
    septets.push_back(static_cast<std::uint8_t>(value & 0x7F));
  }
  if (usable % 7 == 0 && !septets.empty() && septets.back() == carriage_return) {
    septets.pop_back();
  }
  return septets;
}

}  // namespace lapord::text
