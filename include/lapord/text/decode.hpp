#pragma once
// From an SMPP data_coding and its octets to UTF-8 (MO messages). Never fails: what cannot be
// read becomes U+FFFD and the result says so.
#include <cstdint>
#include <span>
#include <string>

namespace lapord::text {

enum class alphabet : std::uint8_t {
  gsm7,         // GSM 03.38 default alphabet + extension table
  ia5,          // IA5 / US-ASCII
  latin1,       // ISO-8859-1
  ucs2,         // UCS-2, read as UTF-16BE so that surrogate pairs work
  binary,       // 8-bit data: each octet shown as the Latin-1 character of that value
  unsupported,  // a declared coding lapord does not read (JIS, Cyrillic, compressed, ...)
};

const char* to_string(alphabet a);

// Per-carrier choices (the carrier profile).
struct decode_options {
  alphabet default_alphabet = alphabet::gsm7;  // what data_coding 0 means: gsm7, ia5 or latin1
  bool gsm_packed = false;  // 7-bit text comes packed 8 septets in 7 octets (else one per octet)
};

// The alphabet a data_coding declares (SMPP 3.4 5.2.19 for 0x00-0x0F, 3GPP 23.038 4 above).
alphabet alphabet_of(std::uint8_t data_coding, const decode_options& options = {});

struct decoded_text {
  std::string utf8;
  bool replaced = false;  // some input was invalid in its coding and became U+FFFD
  alphabet used = alphabet::gsm7;
};

// Decodes `payload` (no UDH). `fill_bits` skips the bits that align packed 7-bit text after a
// UDH; it is ignored for every other case.
decoded_text decode_text(std::uint8_t data_coding, std::span<const std::uint8_t> payload,
                         const decode_options& options = {}, unsigned fill_bits = 0);

// Decoders for one alphabet each; they append to `out` and set `replaced` on invalid input.
void append_ia5(std::string& out, std::span<const std::uint8_t> bytes, bool& replaced);
void append_latin1(std::string& out, std::span<const std::uint8_t> bytes);
void append_utf16be(std::string& out, std::span<const std::uint8_t> bytes, bool& replaced);

}  // namespace lapord::text
