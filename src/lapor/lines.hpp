#pragma once
// The data files of the service (directory, greetings, word lists, reply templates) are read
// line by line, with 1-based numbers for their errors; '#' starts a comment line.
#include <string>
#include <string_view>

#include "lapord/lapor/data_error.hpp"
#include "lapord/lapor/words.hpp"

namespace lapord::lapor::detail {

// Lines with their 1-based numbers, '\r' of CRLF files dropped.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  int number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    f(++number, line);
    start = end + 1;
  }
}

// Each line that is neither blank nor a comment, trimmed, with its number.
template <class F>
void for_each_entry(std::string_view text, F&& f) {
  for_each_line(text, [&](int number, std::string_view line) {
    line = trim_space(line);
    if (line.empty() || line.starts_with('#')) return;
    f(number, line);
  });
}

// "\n" in a text file's value stands for a line break (reply templates, USSD screens).
inline std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Each `id = text` entry (reply templates, USSD screens): f(number, id, text), the text
// trimmed and unescaped; a line without '=' is an error of `source` at its line.
template <class F>
void for_each_assignment(std::string_view text, const std::string& source, F&& f) {
  for_each_entry(text, [&](int number, std::string_view entry) {
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) throw data_error(source, number, "expected `id = text`");
    f(number, std::string(trim_space(entry.substr(0, eq))),
      unescape(trim_space(entry.substr(eq + 1))));
  });
}

}  // namespace lapord::lapor::detail
