#include "lapord/lapor/ussd/screen_text.hpp"

#include <array>
#include <vector>

#include "lapord/text/gsm7.hpp"
#include "lapord/text/utf8.hpp"

namespace lapord::lapor::ussd {
namespace {

constexpr std::array<std::string_view, 5> names = {"gsm7", "gsm7_packed", "ucs2", "latin1", "ia5"};

// text::gsm_code_of searches the alphabet; screens are almost all Latin-1, so those codes are
// looked up once here (every screen is costed and encoded on every reply).
std::optional<text::gsm_code> gsm_code(char32_t cp) {
  static const std::array<std::optional<text::gsm_code>, 256> latin1 = [] {
    std::array<std::optional<text::gsm_code>, 256> t{};
    for (char32_t c = 0; c < 256; ++c)
      t[c] = text::gsm_code_of(c);
    return t;
  }();
  return cp < 256 ? latin1[cp] : text::gsm_code_of(cp);
}

bool is_gsm(screen_encoding e) {
  return e == screen_encoding::gsm7 || e == screen_encoding::gsm7_packed;
}

// The cost of one character in `e` (what its replacement costs when `e` cannot carry it).
std::size_t char_cost(char32_t cp, screen_encoding e) {
  switch (e) {
    case screen_encoding::gsm7:
    case screen_encoding::gsm7_packed: {
      auto code = gsm_code(cp);
      return code && code->extended ? 2 : 1;
    }
    case screen_encoding::ucs2:
      return cp > 0xFFFF ? 2 : 1;
    case screen_encoding::latin1:
    case screen_encoding::ia5:
      return 1;
  }
  return 1;
}

}  // namespace

std::string_view to_string(screen_encoding e) {
  return names[static_cast<std::size_t>(e)];
}

std::optional<screen_encoding> parse_screen_encoding(std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<screen_encoding>(i);
  }
  return std::nullopt;
}

std::uint8_t default_data_coding(screen_encoding e) {
  switch (e) {
    case screen_encoding::gsm7:
    case screen_encoding::gsm7_packed:
      return 0x00;
    case screen_encoding::ucs2:
      return 0x08;
    case screen_encoding::latin1:
      return 0x03;
    case screen_encoding::ia5:
      return 0x01;
  }
  return 0x00;
}

std::size_t screen_cost(std::string_view utf8, screen_encoding e) {
  std::size_t cost = 0;
  for (std::size_t pos = 0; pos < utf8.size();) {
    cost += char_cost(text::next_code_point(utf8, pos), e);
  }
  return cost;
}

std::string fit_screen(std::string_view utf8, screen_encoding e, std::size_t max) {
  if (screen_cost(utf8, e) <= max) return std::string(utf8);
  constexpr std::string_view mark = "..";
  const std::size_t budget = max >= 2 * mark.size() ? max - mark.size() : max;
  std::size_t cost = 0;
  std::size_t end = 0;
  for (std::size_t pos = 0; pos < utf8.size();) {
    const std::size_t next_cost = cost + char_cost(text::next_code_point(utf8, pos), e);
    if (next_cost > budget) break;
    cost = next_cost;
    end = pos;
  }
  std::string out(utf8.substr(0, end));
  if (budget != max) out += mark;
  return out;
}

std::string encode_screen(std::string_view utf8, screen_encoding e) {
  std::string out;
  if (is_gsm(e)) {
    std::vector<std::uint8_t> septets;
    for (std::size_t pos = 0; pos < utf8.size();) {
      auto code = gsm_code(text::next_code_point(utf8, pos));
      if (!code) code = gsm_code(U'?');
      if (code->extended) septets.push_back(text::gsm_escape);
      septets.push_back(code->septet);
    }
    if (e == screen_encoding::gsm7_packed) {
      auto packed = text::pack_septets(septets);
      return std::string(packed.begin(), packed.end());
    }
    return std::string(septets.begin(), septets.end());
  }
  for (std::size_t pos = 0; pos < utf8.size();) {
    char32_t cp = text::next_code_point(utf8, pos);
    switch (e) {
      case screen_encoding::ucs2: {
        auto put = [&out](char32_t unit) {
          out += static_cast<char>((unit >> 8) & 0xFF);
          out += static_cast<char>(unit & 0xFF);
        };
        if (cp > 0xFFFF) {
          cp -= 0x10000;
          put(0xD800 + (cp >> 10));
          put(0xDC00 + (cp & 0x3FF));
        } else {
          put(cp);
        }
        break;
      }
      case screen_encoding::latin1:
        out += static_cast<char>(cp <= 0xFF ? cp : U'?');
        break;
      default:  // ia5
        out += static_cast<char>(cp <= 0x7F ? cp : U'?');
        break;
    }
  }
  return out;
}

}  // namespace lapord::lapor::ussd
