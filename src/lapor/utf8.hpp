#pragma once
// A forgiving UTF-8 reader: the parser must never throw on what a phone sent, so an invalid
// byte is returned as a one-byte code point of its own (U+FFFD-like, flagged invalid).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lapord::lapor::detail {

struct code_point {
  char32_t value = 0;
  std::size_t length = 1;  // bytes taken from the input, at least 1
  bool valid = true;
};

inline code_point next_code_point(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {c, 1, true};
  std::size_t len = 0;
  char32_t v = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    v = c & 0x07;
  } else {
    return {0xFFFD, 1, false};
  }
  if (i + len > s.size()) return {0xFFFD, 1, false};
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return {0xFFFD, 1, false};
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < min_for_len[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    return {0xFFFD, 1, false};
  }
  return {v, len, true};
}

// Letters of the scripts people text in; digits, punctuation, symbols and emoji are not.
inline bool is_letter(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;
  if (c >= 0x370 && c <= 0x1FFF) return true;
  if (c >= 0x3040 && c <= 0x9FFF) return true;
  if (c >= 0xAC00 && c <= 0xD7AF) return true;
  return false;
}

inline bool is_ascii_digit(char32_t c) {
  return c >= '0' && c <= '9';
}

}  // namespace lapord::lapor::detail
