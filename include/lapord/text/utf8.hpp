#pragma once
// The few UTF-8 operations the text layer needs; invalid input becomes U+FFFD, never a throw.
#include <cstddef>
#include <string>
#include <string_view>

namespace lapord::text {

inline constexpr char32_t replacement_character = U'\uFFFD';

// Appends the UTF-8 form of `cp`; surrogates and values over U+10FFFF append U+FFFD.
void append_utf8(std::string& out, char32_t cp);

// Reads one code point at `pos` and advances `pos`. An invalid or truncated sequence (including
// overlong forms and encoded surrogates) yields U+FFFD and advances by one byte; `invalid`, when
// given, is set to true then.
char32_t next_code_point(std::string_view utf8, std::size_t& pos, bool* invalid = nullptr);

// True when `utf8` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view utf8);

}  // namespace lapord::text
