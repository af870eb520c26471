#pragma once
// The few UTF-8 operations the text layer needs; invalid input becomes U+FFFD, never a throw.
#include <cstddef>
#include <string>
#include <string_view>

namespace lapord::text {

inline constexpr char32_t replacement_character = U'\uFFFD';

// Writes the UTF-8 form of `cp` (1 to 4 bytes) at `out` and returns the end; surrogates and
// values over U+10FFFF write U+FFFD. Inline: a decoder writing into room it sized beforehand
// (append_gsm_text, every MO) calls it per character.
constexpr char* put_utf8(char* out, char32_t cp) noexcept {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = replacement_character;
  auto put = [&out](char32_t value) { *out++ = static_cast<char>(value); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
  return out;
}

// Appends the UTF-8 form of `cp`, as put_utf8.
void append_utf8(std::string& out, char32_t cp);

// Reads one code point at `pos` and advances `pos`. An invalid or truncated sequence (including
// overlong forms and encoded surrogates) yields U+FFFD and advances by one byte; `invalid`, when
// given, is set to true then.
char32_t next_code_point(std::string_view utf8, std::size_t& pos, bool* invalid = nullptr);

// True when `utf8` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view utf8);

}  // namespace lapord::text
