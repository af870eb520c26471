#pragma once
// The data files of the service (directory, greetings, word lists, reply templates) are read
// line by line, with 1-based numbers for their errors; '#' starts a comment line.
#include <string_view>

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

}  // namespace lapord::lapor::detail
