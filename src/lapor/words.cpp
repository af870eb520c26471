#include "lapord/lapor/words.hpp"

#include <array>

#include "lapor/utf8.hpp"

namespace lapord::lapor {
namespace {

using detail::next_code_point;

constexpr bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0xA0;
}

constexpr bool is_separator(char32_t c) {
  return c == '#' || c == '*' || c == ':' || c == ';' || c == ',' || c == '.' || c == '/';
}

// The ASCII bytes that end a word: is_space or is_separator, read from a table. A message is
// nearly all ASCII and is walked twice (counted, then split), so a look-up per byte instead
// of a decoded code point and two chains of comparisons roughly halves the walk.
constexpr std::array<bool, 0x80> ascii_splits = [] {
  std::array<bool, 0x80> t{};
  for (char32_t c = 0; c < 0x80; ++c)
    t[c] = is_space(c) || is_separator(c);
  return t;
}();

bool is_dash(char32_t c) {
  return c == '-' || c == 0x2013 || c == 0x2014;
}

// A word made of dashes only ("-", "--", "–") stands alone between words: a separator.
bool only_dashes(std::string_view w) {
  for (std::size_t i = 0; i < w.size();) {
    auto cp = next_code_point(w, i);
    if (!cp.valid || !is_dash(cp.value)) return false;
    i += cp.length;
  }
  return !w.empty();
}

}  // namespace

namespace {

// word_key, and the letters of the word (count_letters of it) from the same walk.
std::string key_of(std::string_view w, std::size_t& letters) {
  // A key is never longer than its word: written in place, then built once from what was
  // written. A word of up to 32 bytes (nearly every one) is written on the stack, so its key is
  // one copy into the string (no zero fill, no allocation for the short ones).
  std::array<char, 32> small;
  std::string big;
  char* key = small.data();
  if (w.size() > small.size()) {
    big.resize(w.size());
    key = big.data();
  }
  char* out = key;
  for (std::size_t i = 0; i < w.size();) {
    const char c = w[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      if (c >= 'a' && c <= 'z') {
        *out++ = static_cast<char>(c - 'a' + 'A');
        ++letters;
      } else if (c >= 'A' && c <= 'Z') {
        *out++ = c;
        ++letters;
      } else if (c >= '0' && c <= '9') {
        *out++ = c;
      }
      ++i;
      continue;
    }
    auto cp = next_code_point(w, i);
    if (cp.valid && detail::is_letter(cp.value)) {
      w.copy(out, cp.length, i);
      out += cp.length;
      ++letters;
    }
    i += cp.length;
  }
  const auto n = static_cast<std::size_t>(out - key);
  if (n == 0) return std::string(w);
  if (key == small.data()) return std::string(small.data(), n);
  big.resize(n);
  return big;
}

}  // namespace

std::string word_key(std::string_view w) {
  std::size_t letters = 0;
  return key_of(w, letters);
}

namespace {

// Calls f(begin, end) for each word of text, in order: the one reading of "a word" that
// split_words and count_words share.
template <typename F>
void for_each_word(std::string_view text, F&& f) {
  std::size_t start = std::string_view::npos;
  auto finish = [&](std::size_t end) {
    if (start == std::string_view::npos) return;
    // A dash-only word starts with '-' or the lead byte of U+2013 / U+2014: the rest need
    // not be looked at (three walks of every word of every MO).
    const char first = text[start];
    if ((first != '-' && first != '\xE2') || !only_dashes(text.substr(start, end - start))) {
      f(start, end);
    }
    start = std::string_view::npos;
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    bool splits = false;
    std::size_t length = 1;
    if (byte < 0x80) {
      splits = ascii_splits[byte];
    } else {
      auto cp = next_code_point(text, i);
      splits = cp.valid && (is_space(cp.value) || is_separator(cp.value));
      length = cp.length;
    }
    if (splits) {
      finish(i);
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += length;
  }
  finish(text.size());
}

}  // namespace

std::vector<word> split_words(std::string_view text) {
  // Counted first so that the vector is allocated once: growing it moves every key again.
  std::vector<word> words;
  words.reserve(count_words(text));
  split_words(text, words);
  return words;
}

void split_words(std::string_view text, std::vector<word>& out) {
  out.clear();
  for_each_word(text, [&](std::size_t begin, std::size_t end) {
    std::size_t letters = 0;
    std::string key = key_of(text.substr(begin, end - begin), letters);
    out.push_back({begin, end, std::move(key), letters});
  });
}

std::size_t count_words(std::string_view text) {
  std::size_t n = 0;
  for_each_word(text, [&](std::size_t, std::size_t) { ++n; });
  return n;
}

std::size_t count_letters(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {  // most of a message: no code point to decode
      n += detail::is_letter(byte) ? 1 : 0;
      ++i;
      continue;
    }
    auto cp = next_code_point(text, i);
    if (cp.valid && detail::is_letter(cp.value)) ++n;
    i += cp.length;
  }
  return n;
}

std::string_view trim_space(std::string_view text) {
  // Trim ASCII white space and U+00A0 (C2 A0) at both ends.
  while (!text.empty()) {
    unsigned char c = static_cast<unsigned char>(text.front());
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      text.remove_prefix(1);
    } else if (text.starts_with("\xC2\xA0")) {
      text.remove_prefix(2);
    } else {
      break;
    }
  }
  while (!text.empty()) {
    unsigned char c = static_cast<unsigned char>(text.back());
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      text.remove_suffix(1);
    } else if (text.ends_with("\xC2\xA0")) {
      text.remove_suffix(2);
    } else {
      break;
    }
  }
  return text;
}

}  // namespace lapord::lapor
