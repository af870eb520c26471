#pragma once
// Test helpers to write PDUs by hand: hex("00 00 00 10") and text("lapord") (no NUL added),
// joined with `+`. Independent of the codec under test.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::smpp::test {

using bytes = std::vector<std::uint8_t>;

inline bytes hex(std::string_view s) {
  bytes out;
  int high = -1;
  for (char c : s) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;  // spaces and separators
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline bytes text(std::string_view s) {
  return bytes(s.begin(), s.end());
}

inline bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace lapord::smpp::test
