#include "lapord/text/utf8.hpp"

namespace lapord::text {

void append_utf8(std::string& out, char32_t cp) {
  char bytes[4];
  out.append(bytes, put_utf8(bytes, cp));
}

char32_t next_code_point(std::string_view utf8, std::size_t& pos, bool* invalid) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(utf8[i]); };
  const unsigned lead = byte(pos);
  auto fail = [&]() {
    ++pos;
    if (invalid) *invalid = true;
    return replacement_character;
  };
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
    minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    minimum = 0x10000;
  } else {
    return fail();
  }
  if (pos + length > utf8.size()) return fail();
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned next = byte(pos + i);
    if ((next & 0xC0) != 0x80) return fail();
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return fail();
  pos += length;
  return cp;
}

bool is_valid_utf8(std::string_view utf8) {
  bool invalid = false;
  for (std::size_t pos = 0; pos < utf8.size() && !invalid;)
    next_code_point(utf8, pos, &invalid);
  return !invalid;
}

}  // namespace lapord::text
