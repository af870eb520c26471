#include "lapord/text/decode.hpp"

#include "lapord/text/gsm7.hpp"
#include "lapord/text/utf8.hpp"

namespace lapord::text {

const char* to_string(alphabet a) {
  switch (a) {
    case alphabet::gsm7:
      return "gsm7";
    case alphabet::ia5:
      return "ia5";
    case alphabet::latin1:
      return "latin1";
    case alphabet::ucs2:
      return "ucs2";
    case alphabet::binary:
      return "binary";
    case alphabet::unsupported:
      return "unsupported";
  }
  return "unsupported";
}

alphabet alphabet_of(std::uint8_t data_coding, const decode_options& options) {
  if (data_coding <= 0x0F) {  // SMPP 3.4's own table
    switch (data_coding) {
      case 0x00:
        switch (options.default_alphabet) {
          case alphabet::ia5:
          case alphabet::latin1:
            return options.default_alphabet;
          default:
            return alphabet::gsm7;
        }
      case 0x01:
        return alphabet::ia5;
      case 0x02:
      case 0x04:
        return alphabet::binary;
      case 0x03:
        return alphabet::latin1;
      case 0x08:
        return alphabet::ucs2;
      default:  // JIS, Cyrillic, Hebrew, pictogram, ISO-2022-JP, Kanji, KS C 5601, reserved
        return alphabet::unsupported;
    }
  }
  const unsigned group = data_coding >> 4;
  if (group <= 0x7) {  // general data coding (00xx) and marked for deletion (01xx)
    if (data_coding & 0x20) return alphabet::unsupported;  // compressed
    switch ((data_coding >> 2) & 0x3) {
      case 1:
        return alphabet::binary;
      case 2:
        return alphabet::ucs2;
      default:  // GSM 7-bit; reserved codings are read as the default alphabet (23.038 4)
        return alphabet::gsm7;
    }
  }
  if (group == 0xE) return alphabet::ucs2;  // message waiting indication, UCS-2
  if (group == 0xF) return (data_coding & 0x04) ? alphabet::binary : alphabet::gsm7;
  return alphabet::gsm7;  // 0x8x-0xBx reserved, 0xC/0xD message waiting: default alphabet
}

void append_ia5(std::string& out, std::span<const std::uint8_t> bytes, bool& replaced) {
  for (const std::uint8_t byte : bytes) {
    if (byte < 0x80) {
      out.push_back(static_cast<char>(byte));
    } else {
      append_utf8(out, replacement_character);
      replaced = true;
    }
  }
}

void append_latin1(std::string& out, std::span<const std::uint8_t> bytes) {
  for (const std::uint8_t byte : bytes)
    append_utf8(out, byte);
}

void append_utf16be(std::string& out, std::span<const std::uint8_t> bytes, bool& replaced) {
  auto unit_at = [&](std::size_t i) -> char32_t {
    return static_cast<char32_t>((bytes[i] << 8) | bytes[i + 1]);
  };
  const std::size_t whole = bytes.size() / 2 * 2;
  for (std::size_t i = 0; i < whole; i += 2) {
    const char32_t unit = unit_at(i);
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 2 < whole) {
      const char32_t low = unit_at(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    if (unit >= 0xD800 && unit <= 0xDFFF) {  // a surrogate without its other half
      append_utf8(out, replacement_character);
      replaced = true;
    } else {
      append_utf8(out, unit);
    }
  }
  if (whole != bytes.size()) {  // an odd octet left over
    append_utf8(out, replacement_character);
    replaced = true;
  }
}

decoded_text decode_text(std::uint8_t data_coding, std::span<const std::uint8_t> payload,
                         const decode_options& options, unsigned fill_bits) {
  decoded_text result;
  result.used = alphabet_of(data_coding, options);
  switch (result.used) {
    case alphabet::gsm7:
      if (options.gsm_packed) {
        const auto septets = unpack_septets(payload, fill_bits);
        append_gsm_text(result.utf8, septets, result.replaced);
      } else {
        append_gsm_text(result.utf8, payload, result.replaced);
      }
      break;
    case alphabet::ia5:
      append_ia5(result.utf8, payload, result.replaced);
      break;
    case alphabet::latin1:
    case alphabet::binary:
      append_latin1(result.utf8, payload);
      break;
    case alphabet::ucs2:
      append_utf16be(result.utf8, payload, result.replaced);
      break;
    case alphabet::unsupported:
      // Keep what is plainly ASCII readable; the caller keeps the raw octets anyway.
      append_ia5(result.utf8, payload, result.replaced);
      result.replaced = true;
      break;
  }
  return result;
}

}  // namespace lapord::text
