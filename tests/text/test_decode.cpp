#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lapord/text/decode.hpp"
#include "lapord/text/gsm7.hpp"
#include "lapord/text/segmentation.hpp"
#include "lapord/text/utf8.hpp"

using namespace lapord::text;
using bytes = std::vector<std::uint8_t>;

namespace {

// 3GPP TS 23.038 table 6.2.1, typed row by row from the standard (16 septets per line);
// 0x1B (escape) is written as "?" and skipped by the tests.
const char* const gsm_rows[8] = {
    "@£$¥èéùìòÇ\nØø\rÅå", "Δ_ΦΓΛΩΠΨΣΘΞ?ÆæßÉ", " !\"#¤%&'()*+,-./", "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",   "PQRSTUVWXYZÄÖÑÜ§", "¿abcdefghijklmno",  "pqrstuvwxyzäöñüà",
};

// Every septet but the escape, and the text the table says they are.
void whole_alphabet(bytes& septets, std::string& utf8) {
  for (int row = 0; row < 8; ++row) {
    std::string_view line = gsm_rows[row];
    std::size_t pos = 0;
    for (int column = 0; column < 16; ++column) {
      const std::size_t start = pos;
      next_code_point(line, pos);
      const int septet = row * 16 + column;
      if (septet == 0x1B) continue;
      septets.push_back(static_cast<std::uint8_t>(septet));
      utf8 += line.substr(start, pos - start);
    }
    REQUIRE(pos == line.size());
  }
}

decoded_text gsm(const bytes& septets, bool packed = false, unsigned fill = 0) {
  decode_options options;
  options.gsm_packed = packed;
  return decode_text(0x00, septets, options, fill);
}

bytes from_hex(std::string_view hex) {
  bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(
        static_cast<std::uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}  // namespace

TEST_CASE("gsm 7-bit: the whole default alphabet decodes as the 23.038 table says") {
  bytes septets;
  std::string expected;
  whole_alphabet(septets, expected);
  REQUIRE(septets.size() == 127);
  const auto decoded = gsm(septets);
  CHECK(decoded.utf8 == expected);
  CHECK_FALSE(decoded.replaced);
  CHECK(decoded.used == alphabet::gsm7);
  // ... and each character encodes back to its septet.
  CHECK(gsm_septets_of(expected) == septets);
  // Packed and unpacked again.
  const auto packed = pack_septets(septets);
  CHECK(packed.size() == (127 * 7 + 7) / 8);
  const auto again = gsm(packed, true);
  CHECK(again.utf8 == expected);
  CHECK_FALSE(again.replaced);
}

TEST_CASE("gsm 7-bit: the extension table") {
  const bytes septets = {0x1B, 0x0A, 0x1B, 0x14, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F,
                         0x1B, 0x3C, 0x1B, 0x3D, 0x1B, 0x3E, 0x1B, 0x40, 0x1B, 0x65};
  const std::string expected = "\f^{}\\[~]|€";
  const auto decoded = gsm(septets);
  CHECK(decoded.utf8 == expected);
  CHECK_FALSE(decoded.replaced);
  CHECK(gsm_septets_of(expected) == septets);
  CHECK(gsm(pack_septets(septets), true).utf8 == expected);
}

TEST_CASE("gsm 7-bit: escapes without an extension character, and a dangling escape") {
  // 23.038 6.2.1.1: an unknown extension code shows the default table's character.
  CHECK(gsm({0x1B, 0x41, 0x62}).utf8 == "Ab");
  CHECK_FALSE(gsm({0x1B, 0x41}).replaced);
  // ESC ESC is reserved for a further table: shown as a space.
  CHECK(gsm({0x61, 0x1B, 0x1B, 0x62}).utf8 == "a b");
  const auto dangling = gsm({0x61, 0x1B});
  CHECK(dangling.utf8 == "a\xEF\xBF\xBD");
  CHECK(dangling.replaced);
}

TEST_CASE("gsm 7-bit unpacked: an octet over 0x7F becomes U+FFFD, nothing is dropped") {
  const auto decoded = gsm({0x41, 0x80, 0x42, 0xFF});
  CHECK(decoded.utf8 ==
        "A\xEF\xBF\xBD"
        "B\xEF\xBF\xBD");
  CHECK(decoded.replaced);
}

TEST_CASE("gsm 7-bit packed: known vectors") {
  CHECK(pack_septets(*gsm_septets_of("hellohello")) == from_hex("E8329BFD4697D9EC37"));
  CHECK(gsm(from_hex("E8329BFD4697D9EC37"), true).utf8 == "hellohello");
}

TEST_CASE("gsm 7-bit packed: 7 characters are padded with CR, which the reader drops") {
  const auto packed = pack_septets(*gsm_septets_of("1234567"));
  CHECK(packed == from_hex("31D98C56B3DD1A"));  // last 7 bits: CR (0x0D)
  CHECK(gsm(packed, true).utf8 == "1234567");
}

TEST_CASE("gsm 7-bit packed: 8 characters fill 7 octets exactly") {
  const auto packed = pack_septets(*gsm_septets_of("12345678"));
  CHECK(packed == from_hex("31D98C56B3DD70"));
  CHECK(gsm(packed, true).utf8 == "12345678");
}

TEST_CASE("gsm 7-bit packed: a trailing @ (septet 0) as the 8th character is kept") {
  const auto packed = pack_septets(*gsm_septets_of("abcdefg@"));
  CHECK(packed == from_hex("61F1985C369F01"));
  CHECK(gsm(packed, true).utf8 == "abcdefg@");
  CHECK(pack_septets(*gsm_septets_of("abcdefg")) == from_hex("61F1985C369F1B"));
  CHECK(gsm(from_hex("61F1985C369F1B"), true).utf8 == "abcdefg");
  // A sender that pads with zero bits instead of CR is indistinguishable from a real "@":
  // the standard says CR, so the "@" is kept (nothing is ever dropped).
  CHECK(gsm(from_hex("61F1985C369F01"), true).utf8 == "abcdefg@");
}

TEST_CASE("gsm 7-bit packed: a wanted CR on an octet boundary is doubled, not lost") {
  const auto packed = pack_septets(*gsm_septets_of("abcdefg\r"));
  CHECK(packed == from_hex("61F1985C369F1B0D"));
  CHECK(gsm(packed, true).utf8 == "abcdefg\r\r");  // 23.038: CR CR reads as CR
}

TEST_CASE("gsm 7-bit packed: an escape pair across the 7-octet boundary") {
  // ESC is septet 6 and € (0x65) septet 7, the one that ends the first 7 octets.
  const auto inside = pack_septets(*gsm_septets_of("abcdef€"));
  CHECK(inside == from_hex("61F1985C366FCA"));
  CHECK(gsm(inside, true).utf8 == "abcdef€");
  // ESC is the 8th septet (end of the group) and 0x65 starts the next group.
  const auto across = pack_septets(*gsm_septets_of("abcdefg€"));
  CHECK(across == from_hex("61F1985C369F3765"));
  CHECK(gsm(across, true).utf8 == "abcdefg€");
}

TEST_CASE("gsm 7-bit packed: fill bits after a UDH") {
  CHECK(pack_septets(*gsm_septets_of("Halo"), 1) == from_hex("9061F61B"));
  CHECK(gsm(from_hex("9061F61B"), true, 1).utf8 == "Halo");
  CHECK(gsm(from_hex("C2E231B96C3E03"), true, 1).utf8 == "abcdefg");
  CHECK(gsm({}, true).utf8.empty());
}

TEST_CASE("ucs-2: BMP text, emoji as surrogate pairs") {
  // "Halo 😀" = U+0048 U+0061 U+006C U+006F U+0020 U+1F600 (D83D DE00)
  const auto decoded = decode_text(0x08, from_hex("00480061006C006F0020D83DDE00"));
  CHECK(decoded.utf8 == "Halo \xF0\x9F\x98\x80");
  CHECK_FALSE(decoded.replaced);
  CHECK(decoded.used == alphabet::ucs2);
  // Indonesian with curly quotes: U+201C, U+201D
  CHECK(decode_text(0x08, from_hex("201C006F006B201D")).utf8 == "\xE2\x80\x9Cok\xE2\x80\x9D");
}

TEST_CASE("ucs-2: lone surrogates and an odd octet become U+FFFD") {
  const auto high = decode_text(0x08, from_hex("D83D0041"));
  CHECK(high.utf8 ==
        "\xEF\xBF\xBD"
        "A");
  CHECK(high.replaced);
  const auto low = decode_text(0x08, from_hex("0041DE00"));
  CHECK(low.utf8 == "A\xEF\xBF\xBD");
  CHECK(low.replaced);
  const auto trailing_high = decode_text(0x08, from_hex("0041D83D"));
  CHECK(trailing_high.utf8 == "A\xEF\xBF\xBD");
  const auto odd = decode_text(0x08, from_hex("004100"));
  CHECK(odd.utf8 == "A\xEF\xBF\xBD");
  CHECK(odd.replaced);
}

TEST_CASE("latin-1, IA5 and 8-bit data") {
  const auto latin = decode_text(0x03, from_hex("4A616C616E2072E973616B"));  // "Jalan résak"
  CHECK(latin.utf8 == "Jalan r\xC3\xA9sak");
  CHECK(latin.used == alphabet::latin1);
  CHECK_FALSE(latin.replaced);
  CHECK(decode_text(0x03, from_hex("A3FF")).utf8 == "\xC2\xA3\xC3\xBF");
  const auto ia5 = decode_text(0x01, from_hex("4F4B80"));
  CHECK(ia5.utf8 == "OK\xEF\xBF\xBD");
  CHECK(ia5.replaced);
  CHECK(ia5.used == alphabet::ia5);
  const auto binary = decode_text(0x04, from_hex("00FF"));
  CHECK(binary.used == alphabet::binary);
  CHECK(binary.utf8 == std::string("\x00\xC3\xBF", 3));
}

TEST_CASE("data_coding 0 follows the carrier profile") {
  decode_options latin;
  latin.default_alphabet = alphabet::latin1;
  CHECK(decode_text(0x00, from_hex("E9"), latin).utf8 == "\xC3\xA9");
  decode_options ia5;
  ia5.default_alphabet = alphabet::ia5;
  CHECK(decode_text(0x00, from_hex("40"), ia5).utf8 == "@");
  CHECK(decode_text(0x00, from_hex("00")).utf8 == "@");  // GSM: septet 0 is "@"
  // A profile cannot make data_coding 0 mean UCS-2: that is what data_coding 8 is for.
  decode_options odd;
  odd.default_alphabet = alphabet::ucs2;
  CHECK(alphabet_of(0x00, odd) == alphabet::gsm7);
}

TEST_CASE("data_coding table") {
  CHECK(alphabet_of(0x00) == alphabet::gsm7);
  CHECK(alphabet_of(0x01) == alphabet::ia5);
  CHECK(alphabet_of(0x02) == alphabet::binary);
  CHECK(alphabet_of(0x03) == alphabet::latin1);
  CHECK(alphabet_of(0x04) == alphabet::binary);
  CHECK(alphabet_of(0x05) == alphabet::unsupported);  // JIS
  CHECK(alphabet_of(0x06) == alphabet::unsupported);  // Cyrillic
  CHECK(alphabet_of(0x08) == alphabet::ucs2);
  CHECK(alphabet_of(0x0E) == alphabet::unsupported);  // KS C 5601
  CHECK(alphabet_of(0x10) == alphabet::gsm7);         // general group, class 0
  CHECK(alphabet_of(0x11) == alphabet::gsm7);
  CHECK(alphabet_of(0x15) == alphabet::binary);
  CHECK(alphabet_of(0x18) == alphabet::ucs2);
  CHECK(alphabet_of(0x19) == alphabet::ucs2);
  CHECK(alphabet_of(0x1C) == alphabet::gsm7);         // reserved alphabet: the default one
  CHECK(alphabet_of(0x20) == alphabet::unsupported);  // compressed
  CHECK(alphabet_of(0x48) == alphabet::ucs2);         // marked for automatic deletion
  CHECK(alphabet_of(0x90) == alphabet::gsm7);         // reserved group
  CHECK(alphabet_of(0xC0) == alphabet::gsm7);         // MWI discard
  CHECK(alphabet_of(0xD8) == alphabet::gsm7);         // MWI store
  CHECK(alphabet_of(0xE8) == alphabet::ucs2);         // MWI store, UCS-2
  for (unsigned dcs = 0xF0; dcs <= 0xFF; ++dcs) {
    const auto expected = (dcs & 0x04) ? alphabet::binary : alphabet::gsm7;
    CHECK(alphabet_of(static_cast<std::uint8_t>(dcs)) == expected);
  }
  // The class variants decode like their alphabet.
  CHECK(decode_text(0xF1, from_hex("48616C6F")).utf8 == "Halo");
  CHECK(decode_text(0xF5, from_hex("E9")).utf8 == "\xC3\xA9");
}

TEST_CASE("an unsupported coding keeps its ASCII and is flagged") {
  const auto decoded = decode_text(0x06, from_hex("41B0"));  // Cyrillic (ISO-8859-5)
  CHECK(decoded.used == alphabet::unsupported);
  CHECK(decoded.utf8 == "A\xEF\xBF\xBD");
  CHECK(decoded.replaced);
}

TEST_CASE("a 64 KiB message_payload is just a bigger payload") {
  bytes payload;
  std::string expected;
  for (int i = 0; i < 32767; ++i) {
    payload.push_back(0xD8);  // U+1F600 as D83D DE00, 16383 times, then one "A"
    payload.push_back(0x3D);
    payload.push_back(0xDE);
    payload.push_back(0x00);
    expected += "\xF0\x9F\x98\x80";
    if (payload.size() >= 65532) break;
  }
  payload.push_back(0x00);
  payload.push_back(0x41);
  expected += "A";
  CHECK(payload.size() == 65534);
  const auto decoded = decode_text(0x08, payload);
  CHECK(decoded.utf8 == expected);
  CHECK_FALSE(decoded.replaced);
}

TEST_CASE("utf-8 helpers reject overlong forms, surrogates and truncation") {
  CHECK(is_valid_utf8("Halo \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong "/"
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // encoded surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // over U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  std::string out;
  append_utf8(out, 0xD800);
  CHECK(out == "\xEF\xBF\xBD");
}
