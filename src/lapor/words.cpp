#include "lapord/lapor/words.hpp"

#include "lapor/utf8.hpp"

namespace lapord::lapor {
namespace {

using detail::next_code_point;

bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0xA0;
}

bool is_separator(char32_t c) {
  return c == '#' || c == '*' || c == ':' || c == ';' || c == ',' || c == '.' || c == '/';
}

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

std::string word_key(std::string_view w) {
  std::string key;
  for (std::size_t i = 0; i < w.size();) {
    auto cp = next_code_point(w, i);
    if (cp.value < 0x80) {
      char c = static_cast<char>(cp.value);
      if (c >= 'a' && c <= 'z')
        key += static_cast<char>(c - 'a' + 'A');
      else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        key += c;
    } else if (cp.valid && detail::is_letter(cp.value)) {
      key += w.substr(i, cp.length);
    }
    i += cp.length;
  }
  if (key.empty()) return std::string(w);
  return key;
}

std::vector<word> split_words(std::string_view text) {
  std::vector<word> words;
  std::size_t start = std::string_view::npos;
  auto finish = [&](std::size_t end) {
    if (start == std::string_view::npos) return;
    std::string_view w = text.substr(start, end - start);
    if (!only_dashes(w)) words.push_back({start, end, word_key(w)});
    start = std::string_view::npos;
  };
  for (std::size_t i = 0; i < text.size();) {
    auto cp = next_code_point(text, i);
    bool splits = cp.valid && (is_space(cp.value) || is_separator(cp.value));
    if (splits) {
      finish(i);
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += cp.length;
  }
  finish(text.size());
  return words;
}

std::size_t count_letters(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
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
