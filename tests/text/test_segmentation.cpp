#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lapord/text/gsm7.hpp"
#include "lapord/text/reassembly.hpp"
#include "lapord/text/segmentation.hpp"
#include "lapord/text/short_message.hpp"

using namespace lapord::text;
using bytes = std::vector<std::uint8_t>;

namespace {

const std::string c_cedilla = "\xC3\xA7";      // ç, U+00E7: not in GSM, so UCS-2
const std::string emoji = "\xF0\x9F\x99\x8F";  // U+1F64F: D83D DE4F
const std::string euro = "\xE2\x82\xAC";       // €: ESC 0x65 in GSM

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

bytes udh(std::uint8_t reference, std::uint8_t total, std::uint8_t sequence) {
  return {0x05, 0x00, 0x03, reference, total, sequence};
}

bytes concat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Decodes segments the way the MO side would and joins them: the round trip of the two halves.
std::string read_back(const encoded_mt& mt, bool packed) {
  decode_options options;
  options.gsm_packed = packed;
  memory_part_store store;
  reassembler joiner(store);
  std::string out;
  for (const auto& segment : mt.segments) {
    const auto mo =
        read_short_message(segment.esm_class, segment.data_coding, segment.bytes, options);
    std::optional<concat_info> info = mo.concat;
    if (segment.sar)
      info = concat_from_sar(segment.sar->reference, segment.sar->total, segment.sar->sequence);
    if (!info) {
      out += mo.utf8;
      continue;
    }
    message_part part;
    part.key = {"c", "s", "d", info->reference};
    part.total = info->total;
    part.sequence = info->sequence;
    part.text = mo.utf8;
    if (auto done = joiner.add(part)) out += done->text;
  }
  return out;
}

}  // namespace

TEST_CASE("segmentation: 160 GSM characters are one segment, 161 are two (153 + 8)") {
  const auto one = encode_mt(std::string(160, 'a'));
  CHECK(one.used == alphabet::gsm7);
  REQUIRE(one.segments.size() == 1);
  CHECK(one.segments[0].data_coding == 0x00);
  CHECK(one.segments[0].esm_class == 0x00);
  CHECK(one.segments[0].bytes == bytes(160, 0x61));

  encode_options options;
  options.reference = 0x1A7;  // the UDH carries the low byte
  const auto two = encode_mt(std::string(161, 'a'), options);
  REQUIRE(two.segments.size() == 2);
  CHECK(two.segments[0].esm_class == 0x40);
  CHECK(two.segments[0].bytes == concat(udh(0xA7, 2, 1), bytes(153, 0x61)));
  CHECK(two.segments[1].bytes == concat(udh(0xA7, 2, 2), bytes(8, 0x61)));
  CHECK_FALSE(two.segments[0].sar);
}

TEST_CASE("segmentation: 306 GSM characters are exactly two parts, 307 three") {
  const auto two = encode_mt(std::string(306, 'b'));
  REQUIRE(two.segments.size() == 2);
  CHECK(two.segments[1].bytes == concat(udh(0, 2, 2), bytes(153, 0x62)));
  const auto three = encode_mt(std::string(307, 'b'));
  REQUIRE(three.segments.size() == 3);
  CHECK(three.segments[2].bytes == concat(udh(0, 3, 3), bytes{0x62}));
}

TEST_CASE("segmentation: extension characters count two septets") {
  // 80 euro signs are 160 septets: one segment.
  const auto one = encode_mt(repeat(euro, 80));
  REQUIRE(one.segments.size() == 1);
  CHECK(one.segments[0].bytes.size() == 160);
  CHECK(one.segments[0].bytes[0] == 0x1B);
  CHECK(one.segments[0].bytes[1] == 0x65);
  CHECK(encode_mt(repeat(euro, 80) + "a").segments.size() == 2);
  CHECK(encode_mt(std::string(159, 'a') + "{").segments.size() == 2);
}

TEST_CASE("segmentation: an escape pair straddling septet 153 moves whole to the next part") {
  const std::string text = std::string(152, 'a') + euro + "b" + std::string(10, 'c');
  const auto mt = encode_mt(text);
  REQUIRE(mt.segments.size() == 2);
  CHECK(mt.segments[0].bytes == concat(udh(0, 2, 1), bytes(152, 0x61)));
  bytes second = concat(udh(0, 2, 2), bytes{0x1B, 0x65, 0x62});
  second.insert(second.end(), 10, 0x63);
  CHECK(mt.segments[1].bytes == second);
  CHECK(read_back(mt, false) == text);
}

TEST_CASE("segmentation: 70 UCS-2 units are one segment, 71 are two (67 + 4)") {
  const auto one = encode_mt(repeat(c_cedilla, 70));
  CHECK(one.used == alphabet::ucs2);
  REQUIRE(one.segments.size() == 1);
  CHECK(one.segments[0].data_coding == 0x08);
  CHECK(one.segments[0].bytes.size() == 140);
  CHECK(one.segments[0].bytes[0] == 0x00);
  CHECK(one.segments[0].bytes[1] == 0xE7);

  const auto two = encode_mt(repeat(c_cedilla, 71));
  REQUIRE(two.segments.size() == 2);
  CHECK(two.segments[0].bytes.size() == 6 + 134);
  CHECK(two.segments[1].bytes ==
        concat(udh(0, 2, 2), bytes{0x00, 0xE7, 0x00, 0xE7, 0x00, 0xE7, 0x00, 0xE7}));
}

TEST_CASE("segmentation: one character outside GSM makes the whole text UCS-2") {
  const auto mt = encode_mt("Laporan diterima " + emoji);
  CHECK(mt.used == alphabet::ucs2);
  REQUIRE(mt.segments.size() == 1);
  const bytes tail = {0xD8, 0x3D, 0xDE, 0x4F};
  CHECK(bytes(mt.segments[0].bytes.end() - 4, mt.segments[0].bytes.end()) == tail);
}

TEST_CASE("segmentation: a surrogate pair straddling unit 67 moves whole to the next part") {
  // 66 + 2 + 3 = 71 units: two parts, and the pair does not fit the first one's last unit.
  const std::string text = repeat(c_cedilla, 66) + emoji + "xyz";
  const auto mt = encode_mt(text);
  REQUIRE(mt.segments.size() == 2);
  CHECK(mt.segments[0].bytes.size() == 6 + 66 * 2);
  CHECK(mt.segments[1].bytes ==
        concat(udh(0, 2, 2), bytes{0xD8, 0x3D, 0xDE, 0x4F, 0x00, 0x78, 0x00, 0x79, 0x00, 0x7A}));
  CHECK(read_back(mt, false) == text);
}

TEST_CASE("segmentation: SAR fields instead of a UDH") {
  encode_options options;
  options.method = concat_method::sar;
  options.reference = 0xBEEF;
  const auto mt = encode_mt(std::string(200, 'z'), options);
  REQUIRE(mt.segments.size() == 2);
  CHECK(mt.segments[0].esm_class == 0x00);
  CHECK(mt.segments[0].bytes == bytes(153, 0x7A));
  CHECK(mt.segments[1].bytes == bytes(47, 0x7A));
  CHECK(mt.segments[0].sar == sar_fields{0xBEEF, 2, 1});
  CHECK(mt.segments[1].sar == sar_fields{0xBEEF, 2, 2});
  // A short text needs no SAR.
  CHECK_FALSE(encode_mt("OK", options).segments[0].sar);
}

TEST_CASE("segmentation: message_payload carries the whole text in one PDU") {
  encode_options options;
  options.method = concat_method::message_payload;
  const auto mt = encode_mt(std::string(500, 'm'), options);
  REQUIRE(mt.segments.size() == 1);
  CHECK(mt.segments[0].esm_class == 0x00);
  CHECK(mt.segments[0].bytes == bytes(500, 0x6D));
  CHECK_FALSE(mt.segments[0].sar);
  const auto huge = encode_mt(repeat(c_cedilla, 40000), options);  // 80000 octets of UCS-2
  CHECK(huge.too_long);
  CHECK(huge.segments.empty());
}

TEST_CASE("segmentation: more than 255 parts is refused, not truncated") {
  const auto mt = encode_mt(std::string(153 * 255, 'a'));
  CHECK_FALSE(mt.too_long);
  CHECK(mt.segments.size() == 255);
  const auto over = encode_mt(std::string(153 * 255 + 1, 'a'));
  CHECK(over.too_long);
  CHECK(over.segments.empty());
}

TEST_CASE("segmentation: packed 7-bit") {
  encode_options options;
  options.gsm_packed = true;
  const auto one = encode_mt(std::string(160, 'a'), options);
  REQUIRE(one.segments.size() == 1);
  CHECK(one.segments[0].bytes.size() == 140);
  const auto two = encode_mt(std::string(161, 'a'), options);
  REQUIRE(two.segments.size() == 2);
  CHECK(two.segments[0].bytes.size() == 140);  // 6 + (1 fill + 153 * 7) / 8
  CHECK(read_back(two, true) == std::string(161, 'a'));
  // Part 2 holds 7 x + "Halo" = 11 septets after 1 fill bit: 78 bits, 10 octets.
  const auto halo = encode_mt(std::string(160, 'x') + "Halo", options);
  REQUIRE(halo.segments.size() == 2);
  CHECK(halo.segments[1].bytes.size() == 6 + 10);
  // Its bytes, packed by hand from bit 1 (23.038 6.1.2.1).
  CHECK(halo.segments[1].bytes ==
        concat(udh(0, 2, 2), bytes{0xF0, 0x78, 0x3C, 0x1E, 0x8F, 0xC7, 0x23, 0xC3, 0xEC, 0x37}));
  // A part ending with CR on the octet boundary would need a second CR: the CR moves on.
  const std::string cr_text = std::string(152, 'a') + "\r" + std::string(20, 'b');
  const auto cr = encode_mt(cr_text, options);
  REQUIRE(cr.segments.size() == 2);
  for (const auto& segment : cr.segments)
    CHECK(segment.bytes.size() <= 140);
  CHECK(read_back(cr, true) == cr_text);
  // 160 septets ending in CR cannot go packed in one: it would need 161.
  const auto cr_single = encode_mt(std::string(159, 'a') + "\r", options);
  CHECK(cr_single.segments.size() == 2);
  CHECK(read_back(cr_single, true) == std::string(159, 'a') + "\r");
}

TEST_CASE("segmentation: round trips over the whole alphabet, long and short") {
  std::string gsm_text;
  for (std::uint8_t septet = 0; septet < 0x80; ++septet) {
    if (septet == 0x1B) continue;
    std::string one;
    bool replaced = false;
    const bytes single = {septet};
    append_gsm_text(one, single, replaced);
    gsm_text += one;
  }
  gsm_text += "\f^{}\\[~]|" + euro;
  for (const bool packed : {false, true}) {
    encode_options options;
    options.gsm_packed = packed;
    for (const std::string& text : {gsm_text, gsm_text + gsm_text + gsm_text}) {
      const auto mt = encode_mt(text, options);
      CHECK(mt.used == alphabet::gsm7);
      CHECK(read_back(mt, packed) == text);
    }
  }
  const std::string mixed = "Jalan rusak di desa " + emoji + " mohon diperbaiki " + c_cedilla;
  for (const std::string& text : {mixed, repeat(mixed, 9)}) {
    CHECK(read_back(encode_mt(text), false) == text);
  }
}

TEST_CASE("segmentation: invalid UTF-8 in a reply is sent as U+FFFD in UCS-2") {
  const auto mt = encode_mt("ok\xFF");
  CHECK(mt.replaced);
  CHECK(mt.used == alphabet::ucs2);
  REQUIRE(mt.segments.size() == 1);
  CHECK(mt.segments[0].bytes == bytes{0x00, 0x6F, 0x00, 0x6B, 0xFF, 0xFD});
}

TEST_CASE("measure: what a reply template costs") {
  CHECK(measure("").segments == 1);
  const auto short_gsm = measure("Laporan Anda diterima. Ref 48219375");
  CHECK(short_gsm.used == alphabet::gsm7);
  CHECK(short_gsm.units == 35);
  CHECK(short_gsm.segments == 1);
  CHECK(measure(std::string(161, 'a')).segments == 2);
  CHECK(measure(std::string(306, 'a')).segments == 2);
  CHECK(measure(std::string(307, 'a')).segments == 3);
  const auto ucs2 = measure(repeat(c_cedilla, 71));
  CHECK(ucs2.used == alphabet::ucs2);
  CHECK(ucs2.units == 71);
  CHECK(ucs2.segments == 2);
  CHECK(measure(emoji).units == 2);
}
