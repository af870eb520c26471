#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/text/short_message.hpp"
#include "lapord/text/udh.hpp"

using namespace lapord::text;
using bytes = std::vector<std::uint8_t>;

TEST_CASE("udh: 8-bit reference concat (IEI 0x00)") {
  const bytes sm = {0x05, 0x00, 0x03, 0x2A, 0x03, 0x02, 0x61, 0x62, 0x63};
  const auto header = parse_udh(sm);
  CHECK(header.status == udh_status::ok);
  CHECK(header.length == 6);
  REQUIRE(header.concat);
  CHECK(*header.concat == concat_info{0x2A, 3, 2});

  const auto message = read_short_message(0x40, 0x00, sm);
  CHECK(message.utf8 == "abc");
  CHECK(message.udh == udh_status::ok);
  CHECK(message.concat == concat_info{0x2A, 3, 2});
}

TEST_CASE("udh: 16-bit reference concat (IEI 0x08)") {
  const bytes sm = {0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, 0x00, 0x41};
  const auto message = read_short_message(0x40, 0x08, sm);
  CHECK(message.utf8 == "A");
  REQUIRE(message.concat);
  CHECK(*message.concat == concat_info{0x1234, 2, 1});
}

TEST_CASE("udh: other IEs are skipped, before and after the concat IE") {
  // IEI 0x0A (text formatting, 4 octets), concat, IEI 0x24 (national single shift, 1 octet).
  const bytes sm = {0x0E, 0x0A, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,
                    0x03, 0x07, 0x02, 0x02, 0x24, 0x01, 0x00, 0x78};
  const auto header = parse_udh(sm);
  CHECK(header.status == udh_status::ok);
  CHECK(header.length == 15);
  REQUIRE(header.concat);
  CHECK(*header.concat == concat_info{7, 2, 2});
  CHECK(read_short_message(0x40, 0x00, sm).utf8 == "x");
  // A header with no concat IE at all: still skipped.
  const bytes port_only = {0x04, 0x05, 0x02, 0x0B, 0x84, 0x41};  // 16-bit application port
  const auto message = read_short_message(0x40, 0x00, port_only);
  CHECK(message.udh == udh_status::ok);
  CHECK_FALSE(message.concat);
  CHECK(message.utf8 == "A");
}

TEST_CASE("udh: a header length past the end is no header, and the whole message is kept") {
  const bytes sm = {0x20, 0x41, 0x42};
  const auto header = parse_udh(sm);
  CHECK(header.status == udh_status::truncated);
  CHECK(header.length == 0);
  const auto message = read_short_message(0x40, 0x00, sm);
  CHECK(message.udh == udh_status::truncated);
  CHECK_FALSE(message.concat);
  CHECK(message.utf8 == " AB");  // the would-be length octet 0x20 is a GSM space
}

TEST_CASE("udh: empty message with UDHI") {
  const auto message = read_short_message(0x40, 0x00, bytes{});
  CHECK(message.udh == udh_status::truncated);
  CHECK(message.utf8.empty());
}

TEST_CASE("udh: an IE running past the header is malformed, the header still skipped") {
  const bytes sm = {0x03, 0x00, 0x03, 0x01, 0x41};
  const auto header = parse_udh(sm);
  CHECK(header.status == udh_status::malformed);
  CHECK(header.length == 4);
  CHECK_FALSE(header.concat);
  CHECK(read_short_message(0x40, 0x00, sm).utf8 == "A");
  // An IEI with no length octet.
  const bytes lone_iei = {0x01, 0x00, 0x42};
  CHECK(parse_udh(lone_iei).status == udh_status::malformed);
  CHECK(read_short_message(0x40, 0x00, lone_iei).utf8 == "B");
}

TEST_CASE("udh: a concat IE with bad length or values is ignored") {
  const bytes wrong_length = {0x04, 0x00, 0x02, 0x01, 0x02, 0x41};
  CHECK(parse_udh(wrong_length).status == udh_status::malformed);
  CHECK_FALSE(parse_udh(wrong_length).concat);
  const bytes sequence_zero = {0x05, 0x00, 0x03, 0x01, 0x02, 0x00};
  CHECK_FALSE(parse_udh(sequence_zero).concat);
  CHECK(parse_udh(sequence_zero).status == udh_status::malformed);
  const bytes beyond_total = {0x05, 0x00, 0x03, 0x01, 0x02, 0x03};
  CHECK_FALSE(parse_udh(beyond_total).concat);
  const bytes total_one = {0x05, 0x00, 0x03, 0x01, 0x01, 0x01};
  CHECK_FALSE(parse_udh(total_one).concat);
  // Two concat IEs: the last valid one wins.
  const bytes twice = {0x0A, 0x00, 0x03, 0x01, 0x02, 0x01, 0x00, 0x03, 0x09, 0x03, 0x03};
  REQUIRE(parse_udh(twice).concat);
  CHECK(*parse_udh(twice).concat == concat_info{9, 3, 3});
}

TEST_CASE("udh: UDHI not set leaves the octets to the text") {
  const bytes sm = {0x05, 0x00, 0x03, 0x2A, 0x03, 0x02};
  const auto message = read_short_message(0x00, 0x03, sm);
  CHECK(message.udh == udh_status::none);
  CHECK_FALSE(message.concat);
  CHECK(message.utf8.size() == 6);
}

TEST_CASE("udh with packed 7-bit text: the fill bits are skipped") {
  CHECK(gsm_fill_bits(6) == 1);  // 48 bits of header: 1 fill bit to 49 = 7 septets
  CHECK(gsm_fill_bits(7) == 0);  // 56 bits
  CHECK(gsm_fill_bits(0) == 0);
  CHECK(gsm_fill_bits(5) == 2);
  // "Halo" after a 6-octet header, packed from bit 1 (computed by hand from 23.038 6.1.2.1).
  const bytes sm = {0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x90, 0x61, 0xF6, 0x1B};
  decode_options packed;
  packed.gsm_packed = true;
  const auto message = read_short_message(0x40, 0x00, sm, packed);
  CHECK(message.utf8 == "Halo");
  CHECK_FALSE(message.replaced);
  CHECK(message.concat == concat_info{1, 2, 1});
}

TEST_CASE("sar TLVs as plain values") {
  CHECK(concat_from_sar(0x1234, 3, 2) == concat_info{0x1234, 3, 2});
  CHECK_FALSE(concat_from_sar(std::nullopt, 3, 2));
  CHECK_FALSE(concat_from_sar(1, std::nullopt, 2));
  CHECK_FALSE(concat_from_sar(1, 3, std::nullopt));
  CHECK_FALSE(concat_from_sar(1, 3, 0));
  CHECK_FALSE(concat_from_sar(1, 3, 4));
  CHECK_FALSE(concat_from_sar(1, 1, 1));
}

// The one MO-text reader of the SMS and USSD paths.
TEST_CASE("read_mo_text: short_message, or message_payload when short_message is empty") {
  CHECK(lapord::text::read_mo_text(0, 0, "LAPOR", std::nullopt).utf8 == "LAPOR");
  CHECK(lapord::text::read_mo_text(0, 0, "LAPOR", std::string_view("CEK")).utf8 == "LAPOR");
  CHECK(lapord::text::read_mo_text(0, 0, "", std::string_view("CEK 1234")).utf8 == "CEK 1234");
  CHECK(lapord::text::read_mo_text(0, 0, "", std::nullopt).utf8.empty());
  // UCS-2 in the payload, NUL octets and all.
  const std::string ucs2("\0J\0a", 4);
  CHECK(lapord::text::read_mo_text(0, 8, "", std::string_view(ucs2)).utf8 == "Ja");
  // With UDHI the header is skipped, wherever the octets came from.
  const std::string with_udh = std::string("\x05\x00\x03\x2A\x02\x01", 6) + "bagian satu";
  const auto sm = lapord::text::read_mo_text(0x40, 0, with_udh, std::nullopt);
  const auto payload = lapord::text::read_mo_text(0x40, 0, "", std::string_view(with_udh));
  CHECK(sm.utf8 == "bagian satu");
  CHECK(payload.utf8 == sm.utf8);
  REQUIRE(payload.concat);
  CHECK(payload.concat->reference == 0x2A);
}
