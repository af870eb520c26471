#pragma once
// Aligned text tables for people: columns as wide as their widest cell (UTF-8 code points),
// two spaces apart, the last column not padded.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::app::laporctl {

class text_table {
 public:
  explicit text_table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  [[nodiscard]] std::size_t size() const { return rows_.size() - 1; }
  void print(std::ostream& out, std::string_view indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Code points in a UTF-8 string (what a terminal shows, near enough).
[[nodiscard]] std::size_t display_width(std::string_view utf8);

// One line of at most `max` code points: control characters as spaces, "..." when cut.
[[nodiscard]] std::string one_line(std::string_view utf8, std::size_t max);

}  // namespace lapord::app::laporctl
