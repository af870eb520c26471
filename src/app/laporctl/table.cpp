#include "app/laporctl/table.hpp"

#include <algorithm>

namespace lapord::app::laporctl {

std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string one_line(std::string_view s, std::size_t max) {
  std::string clean;
  for (char c : s)
    clean += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  if (display_width(clean) <= max) return clean;
  const std::size_t keep = max > 3 ? max - 3 : 0;
  std::size_t points = 0, end = 0;
  for (; end < clean.size(); ++end) {
    if ((static_cast<unsigned char>(clean[end]) & 0xC0) != 0x80 && points++ == keep) break;
  }
  return clean.substr(0, end) + "...";
}

void text_table::print(std::ostream& out, std::string_view indent) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  }
  for (const auto& row : rows_) {
    std::string line(indent);
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << "\n";
  }
}

}  // namespace lapord::app::laporctl
