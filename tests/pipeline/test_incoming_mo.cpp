// Reading a deliver_sm / data_sm into what the MO path needs: kind, text, concat, receipt, and
// the raw fields kept for audit and redelivery detection.
#include <doctest/doctest.h>

#include "pipeline/pipeline_fixture.hpp"

namespace lapord::app {
using test::as_received;
using test::body;
using test::deliver;

TEST_CASE("a plain deliver_sm is a whole message with its GSM text decoded") {
  auto m = deliver("6281234567890", "LAPOR TANGKAB jalan rusak di desa kami");
  incoming_mo mo = read_incoming(m);
  CHECK(mo.kind == mo_kind::message);
  CHECK(mo.text.utf8 == "LAPOR TANGKAB jalan rusak di desa kami");
  CHECK(mo.carrier == "tsel");
  CHECK(mo.source == "6281234567890");
  CHECK(mo.source_ton == 1);
  CHECK(mo.destination == "1708");
  CHECK(mo.short_message == "LAPOR TANGKAB jalan rusak di desa kami");
  CHECK(mo.tlvs.empty());
  CHECK_FALSE(mo.concat);
  CHECK(mo.received_at.time_since_epoch() == std::chrono::seconds(1'800'000'000));
}

TEST_CASE("UCS-2 with an emoji (surrogate pair) decodes to UTF-8") {
  // "Jalan 😡" in UTF-16BE
  std::string ucs2 = std::string(
      "\x00J\x00"
      "a\x00l\x00"
      "a\x00n\x00 \xD8\x3D\xDE\x21",
      16);
  auto m = deliver("6281234567890", ucs2, 1'800'000'000, 0, 8);
  incoming_mo mo = read_incoming(m);
  CHECK(mo.kind == mo_kind::message);
  CHECK(mo.text.utf8 == "Jalan \xF0\x9F\x98\xA1");
  CHECK_FALSE(mo.text.replaced);
  CHECK(mo.short_message.size() == 16);  // NUL octets kept for audit
}

TEST_CASE("a UDH concat part is a part with its reference and position") {
  std::string sm = std::string("\x05\x00\x03\x2A\x03\x02", 6) + "second part";
  auto m = deliver("6281234567890", sm, 1'800'000'000, 0x40);
  incoming_mo mo = read_incoming(m);
  REQUIRE(mo.kind == mo_kind::part);
  REQUIRE(mo.concat);
  CHECK(mo.concat->reference == 0x2A);
  CHECK(mo.concat->total == 3);
  CHECK(mo.concat->sequence == 2);
  CHECK(mo.text.utf8 == "second part");
}

TEST_CASE("SAR TLVs make a part, and the TLVs are kept as received") {
  auto m = deliver("6281234567890", "first part of it");
  body(m).tlvs.sar_msg_ref_num = 0x1234;
  body(m).tlvs.sar_total_segments = 2;
  body(m).tlvs.sar_segment_seqnum = 1;
  incoming_mo mo = read_incoming(as_received(m));
  REQUIRE(mo.kind == mo_kind::part);
  CHECK(mo.concat->reference == 0x1234);
  CHECK(mo.concat->total == 2);
  CHECK(mo.concat->sequence == 1);
  // Three TLVs: 020C len 2, 020E len 1, 020F len 1 = 6 + 5 + 5 octets.
  CHECK(mo.tlvs.size() == 16);
  CHECK(mo.tlvs.find(std::string("\x02\x0C\x00\x02\x12\x34", 6)) != std::string::npos);
  CHECK(body(m).tlvs.wire == mo.tlvs);  // the octets as they came: a redelivery hashes the same
}

TEST_CASE("the TLV section is stored as it came: order, duplicates and unknown tags") {
  // sar_segment_seqnum before sar_msg_ref_num, a vendor TLV between, sar_total_segments twice:
  // values the codec types, but the octets kept are the carrier's, not a re-encoding.
  const std::string section =
      std::string("\x02\x0F\x00\x01\x01", 5) + std::string("\x14\x00\x00\x03xyz", 7) +
      std::string("\x02\x0C\x00\x02\x12\x34", 6) + std::string("\x02\x0E\x00\x01\x02", 5) +
      std::string("\x02\x0E\x00\x01\x09", 5);
  auto m = deliver("6281234567890", "first part of it");
  std::vector<std::uint8_t> wire;
  REQUIRE(!smpp::encode(m.pdu, wire));
  wire.insert(wire.end(), section.begin(), section.end());
  const auto length = static_cast<std::uint32_t>(wire.size());
  for (int i = 0; i < 4; ++i)
    wire[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  REQUIRE(!smpp::decode(wire, m.pdu));
  incoming_mo mo = read_incoming(m);
  REQUIRE(mo.kind == mo_kind::part);
  CHECK(mo.concat->reference == 0x1234);
  CHECK(mo.concat->total == 2);  // the first occurrence
  CHECK(mo.tlvs == section);
}

TEST_CASE("a delivery receipt is recognised by esm_class and read from TLVs and text") {
  auto m = deliver("6281234567890",
                   "id:0042 sub:001 dlvrd:001 submit date:2611280101 done date:2611280102 "
                   "stat:DELIVRD err:000 text:LAPOR!",
                   1'800'000'000, 0x04);
  incoming_mo mo = read_incoming(m);
  REQUIRE(mo.kind == mo_kind::receipt);
  REQUIRE(mo.receipt);
  REQUIRE(mo.receipt->message_id);
  CHECK(*mo.receipt->message_id == "42");
  CHECK(receipt_stat(*mo.receipt) == "DELIVRD");

  body(m).tlvs.receipted_message_id = "77";
  body(m).tlvs.message_state = 5;  // UNDELIVERABLE wins over the text
  mo = read_incoming(m);
  CHECK(*mo.receipt->message_id == "77");
  CHECK(receipt_stat(*mo.receipt) == "UNDELIV");
}

TEST_CASE("data_sm carries its text in message_payload") {
  smpp::data_sm d;
  d.source_addr = "6281234567890";
  d.destination_addr = "1708";
  d.data_coding = 1;
  d.tlvs.message_payload = "LAPOR SLEMAN sampah menumpuk di pasar";
  net::mo_message m;
  m.carrier = "isat";
  m.pdu.body = d;
  incoming_mo mo = read_incoming(as_received(m));
  CHECK(mo.kind == mo_kind::message);
  CHECK(mo.text.utf8 == "LAPOR SLEMAN sampah menumpuk di pasar");
  CHECK(mo.short_message.empty());
  CHECK_FALSE(mo.tlvs.empty());
}

TEST_CASE("a deliver_sm with an empty short_message takes message_payload") {
  auto m = deliver("6281234567890", "");
  body(m).tlvs.message_payload = "LAPOR SLEMAN lampu jalan mati semua";
  CHECK(read_incoming(m).text.utf8 == "LAPOR SLEMAN lampu jalan mati semua");
}

TEST_CASE("invalid octets become U+FFFD and are flagged, never dropped") {
  auto m = deliver("6281234567890", std::string("ab\xFF", 3), 1'800'000'000, 0, 1);
  incoming_mo mo = read_incoming(m);
  CHECK(mo.kind == mo_kind::message);
  CHECK(mo.text.replaced);
  CHECK(mo.text.utf8.find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("a PDU that is no deliver_sm/data_sm is `other`") {
  net::mo_message m;
  m.pdu.body = smpp::enquire_link{};
  CHECK(read_incoming(m).kind == mo_kind::other);
}

}  // namespace lapord::app
