// Message text as SMPP carries it: UTF-8 to and from the simple data_codings, and hex.

#include "message_text.hpp"

#include "lapord/text/gsm7.hpp"
#include "lapord/text/utf8.hpp"

namespace lapord::smsc_sim {

std::string to_hex(std::string_view octets) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(octets.size() * 2);
  for (unsigned char c : octets) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0x0F]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

std::optional<std::string> encode_text(std::string_view utf8, std::uint8_t data_coding,
                                       std::string& error) {
  if (!text::is_valid_utf8(utf8)) {
    error = "not valid UTF-8";
    return std::nullopt;
  }
  std::string out;
  if (data_coding == 0) {
    auto septets = text::gsm_septets_of(utf8);
    if (!septets) {
      error = "a character is not in the GSM 03.38 alphabet (use data_coding 8)";
      return std::nullopt;
    }
    out.assign(septets->begin(), septets->end());
    return out;
  }
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    char32_t cp = text::next_code_point(utf8, pos);
    if (data_coding == 1 || data_coding == 3) {
      char32_t top = data_coding == 1 ? 0x7F : 0xFF;
      if (cp > top) {
        error = data_coding == 1 ? "a character is not ASCII (IA5)" : "a character is not Latin-1";
        return std::nullopt;
      }
      out.push_back(static_cast<char>(cp));
    } else if (data_coding == 8) {
      auto put = [&](std::uint32_t unit) {
        out.push_back(static_cast<char>(unit >> 8));
        out.push_back(static_cast<char>(unit & 0xFF));
      };
      if (cp > 0xFFFF) {
        std::uint32_t v = static_cast<std::uint32_t>(cp) - 0x10000;
        put(0xD800 + (v >> 10));
        put(0xDC00 + (v & 0x3FF));
      } else {
        put(static_cast<std::uint32_t>(cp));
      }
    } else {
      error = "data_coding " + std::to_string(data_coding) + " has no text encoding here; use hex";
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::string> decode_text(std::string_view octets, std::uint8_t data_coding) {
  std::string out;
  if (data_coding == 0) {
    bool replaced = false;
    text::append_gsm_text(
        out, std::span(reinterpret_cast<const std::uint8_t*>(octets.data()), octets.size()),
        replaced);
    return out;
  }
  if (data_coding == 1 || data_coding == 3) {
    for (unsigned char c : octets)
      text::append_utf8(out, c);
    return out;
  }
  if (data_coding == 8) {
    for (std::size_t i = 0; i + 1 < octets.size(); i += 2) {
      std::uint32_t unit =
          (static_cast<unsigned char>(octets[i]) << 8) | static_cast<unsigned char>(octets[i + 1]);
      if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < octets.size()) {
        std::uint32_t low = (static_cast<unsigned char>(octets[i + 2]) << 8) |
                            static_cast<unsigned char>(octets[i + 3]);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          text::append_utf8(
              out, static_cast<char32_t>(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)));
          i += 2;
          continue;
        }
      }
      text::append_utf8(out, static_cast<char32_t>(unit));
    }
    if (octets.size() % 2 != 0) text::append_utf8(out, text::replacement_character);
    return out;
  }
  return std::nullopt;
}

}  // namespace lapord::smsc_sim
