// Byte vectors for every PDU, written by hand from the SMPP 3.4 layouts (chapter 4): header
// (command_length, command_id, command_status, sequence_number), then the body field by field.
#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include "lapord/smpp/codec.hpp"
#include "smpp/bytes.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;

namespace {

// wire -> struct and struct -> wire.
void check_both_ways(const bytes& wire, const pdu& expected) {
  pdu got;
  REQUIRE(decode(wire, got) == std::error_code{});
  CHECK(got == expected);
  bytes out;
  REQUIRE(encode(expected, out) == std::error_code{});
  CHECK(out == wire);
}

void check_decodes(const bytes& wire, const pdu& expected) {
  pdu got;
  REQUIRE(decode(wire, got) == std::error_code{});
  CHECK(got == expected);
}

std::error_code decode_error(const bytes& wire) {
  pdu got;
  return decode(wire, got);
}

std::error_code encode_error(const pdu& p) {
  bytes out = hex("AA BB");  // encode appends; on error it must leave this as it was
  auto ec = encode(p, out);
  if (ec) CHECK(out == hex("AA BB"));
  return ec;
}

pdu make(pdu_body body, std::uint32_t seq, command_status status = command_status::esme_rok) {
  pdu p;
  p.status = status;
  p.sequence_number = seq;
  p.body = std::move(body);
  return p;
}

const bytes z = hex("00");  // the NUL ending a C-Octet String
// An empty address block of submit_sm/deliver_sm: service_type, source (ton, npi, addr),
// destination (ton, npi, addr).
const bytes z7 = hex("00 00 00 00 00 00 00");

}  // namespace

TEST_CASE("bind_transmitter") {
  const bytes wire = hex("00000023 00000002 00000000 00000001") + text("lapord") + z +
                     text("secret") + z + z + hex("34 00 00") + z;
  bind_transmitter b;
  b.system_id = "lapord";
  b.password = "secret";
  check_both_ways(wire, make(b, 1));
}

TEST_CASE("bind_receiver with TON/NPI, system_type and address_range") {
  const bytes wire = hex("0000002A 00000001 00000000 00000002") + text("lapord_rx") + z +
                     text("pw") + z + text("VMA") + z + hex("34 01 01") + text("62812") + z;
  bind_receiver b;
  b.system_id = "lapord_rx";
  b.password = "pw";
  b.system_type = "VMA";
  b.addr_ton = 1;
  b.addr_npi = 1;
  b.address_range = "62812";
  check_both_ways(wire, make(b, 2));
}

TEST_CASE("bind_transceiver with every field at its maximum length") {
  const std::string range(40, '9');
  const bytes wire = hex("00000062 00000009 00000000 00000003") + text("ABCDEFGHIJKLMNO") + z +
                     text("12345678") + z + text("SYSTEMTYPE12") + z + hex("34 00 00") +
                     text(range) + z;
  bind_transceiver b;
  b.system_id = "ABCDEFGHIJKLMNO";
  b.password = "12345678";
  b.system_type = "SYSTEMTYPE12";
  b.address_range = range;
  check_both_ways(wire, make(b, 3));

  SUBCASE("one octet more is refused, not truncated") {
    auto longer = b;
    longer.system_id += "P";
    CHECK(encode_error(make(longer, 3)) == codec_error::field_too_long);
    longer = b;
    longer.password += "9";
    CHECK(encode_error(make(longer, 3)) == codec_error::field_too_long);
    longer = b;
    longer.system_type += "X";
    CHECK(encode_error(make(longer, 3)) == codec_error::field_too_long);
    longer = b;
    longer.address_range += "9";
    CHECK(encode_error(make(longer, 3)) == codec_error::field_too_long);
  }
  SUBCASE("but an over-long field from a peer is accepted (liberal)") {
    const bytes peer = hex("00000028 00000009 00000000 00000003") + text("ABCDEFGHIJKLMNOPQ") + z +
                       z + z + hex("34 00 00") + z;
    bind_transceiver expected;
    expected.system_id = "ABCDEFGHIJKLMNOPQ";
    check_decodes(peer, make(expected, 3));
  }
}

TEST_CASE("bind_*_resp: with sc_interface_version, plain, and an error without body") {
  bind_transmitter_resp tx;
  tx.system_id = "SMSC";
  tx.tlvs.sc_interface_version = 0x34;
  check_both_ways(
      hex("0000001A 80000002 00000000 00000001") + text("SMSC") + z + hex("0210 0001 34"),
      make(tx, 1));

  bind_transceiver_resp trx;
  trx.system_id = "SMSC";
  check_both_ways(hex("00000015 80000009 00000000 00000003") + text("SMSC") + z, make(trx, 3));

  // SMPP 3.4 4.1.2: the body is not returned when command_status is an error.
  check_decodes(hex("00000010 80000001 0000000E 00000002"),
                make(bind_receiver_resp{}, 2, command_status::esme_rinvpaswd));
  // We always send the system_id (an empty one is a single NUL).
  check_both_ways(hex("00000011 80000001 0000000E 00000002 00"),
                  make(bind_receiver_resp{}, 2, command_status::esme_rinvpaswd));
}

TEST_CASE("outbind") {
  outbind o;
  o.system_id = "SMSC";
  o.password = "pw";
  check_both_ways(hex("00000018 0000000B 00000000 00000001") + text("SMSC") + z + text("pw") + z,
                  make(o, 1));
}

TEST_CASE("header-only PDUs: unbind, enquire_link and their responses, generic_nack") {
  check_both_ways(hex("00000010 00000006 00000000 00000004"), make(unbind{}, 4));
  check_both_ways(hex("00000010 80000006 00000000 00000004"), make(unbind_resp{}, 4));
  check_both_ways(hex("00000010 00000015 00000000 00000007"), make(enquire_link{}, 7));
  check_both_ways(hex("00000010 80000015 00000000 00000007"), make(enquire_link_resp{}, 7));
  // Liberal: sequence 0 on generic_nack (a peer that could not read our header).
  check_both_ways(hex("00000010 80000000 00000003 00000000"),
                  make(generic_nack{}, 0, command_status::esme_rinvcmdid));
  // Liberal: octets after a body-less PDU are ignored.
  check_decodes(hex("00000012 00000015 00000000 00000007 FFFF"), make(enquire_link{}, 7));
}

TEST_CASE("submit_sm, plain GSM text") {
  const bytes wire = hex("00000038 00000004 00000000 00000005") + z + hex("05 00") + text("LAPOR") +
                     z + hex("01 01") + text("6281234567890") + z + hex("00 00 00") + z + z +
                     hex("01 00 00 00") + hex("05") + text("Hello");
  submit_sm s;
  s.source_addr_ton = 5;
  s.source_addr = "LAPOR";
  s.dest_addr_ton = 1;
  s.dest_addr_npi = 1;
  s.destination_addr = "6281234567890";
  s.registered_delivery = 1;
  s.short_message = "Hello";
  check_both_ways(wire, make(s, 5));
}

TEST_CASE("submit_sm: UCS-2 short_message with NUL octets, SAR and user_message_reference") {
  const bytes wire = hex("0000004F 00000004 00000000 00000006") + z + hex("05 00") + text("LAPOR") +
                     z + hex("01 01") + text("6281234567890") + z + hex("00 00 00") + z + z +
                     hex("01 00 08 00") + hex("06 004100000042") + hex("020C 0002 1234") +
                     hex("020E 0001 02") + hex("020F 0001 01") + hex("0204 0002 0042");
  submit_sm s;
  s.source_addr_ton = 5;
  s.source_addr = "LAPOR";
  s.dest_addr_ton = 1;
  s.dest_addr_npi = 1;
  s.destination_addr = "6281234567890";
  s.registered_delivery = 1;
  s.data_coding = 8;
  s.short_message = std::string("\x00\x41\x00\x00\x00\x42", 6);
  s.tlvs.sar_msg_ref_num = 0x1234;
  s.tlvs.sar_total_segments = 2;
  s.tlvs.sar_segment_seqnum = 1;
  s.tlvs.user_message_reference = 0x42;
  check_both_ways(wire, make(s, 6));
  REQUIRE(s.short_message.size() == 6);
}

TEST_CASE("submit_sm with every field at its maximum length") {
  const std::string src(20, '1');
  const std::string dst(20, '2');
  const std::string sm(254, 'x');
  const bytes wire = hex("0000016C 00000004 00000000 00000008") + text("ABCDE") + z + hex("01 01") +
                     text(src) + z + hex("01 01") + text(dst) + z + hex("00 00 01") +
                     text("000000000100000R") + z + text("261128120000028+") + z +
                     hex("00 00 00 00") + hex("FE") + text(sm);
  submit_sm s;
  s.service_type = "ABCDE";
  s.source_addr_ton = 1;
  s.source_addr_npi = 1;
  s.source_addr = src;
  s.dest_addr_ton = 1;
  s.dest_addr_npi = 1;
  s.destination_addr = dst;
  s.priority_flag = 1;
  s.schedule_delivery_time = "000000000100000R";
  s.validity_period = "261128120000028+";
  s.short_message = sm;
  check_both_ways(wire, make(s, 8));

  SUBCASE("over the maximum: an error, never truncated") {
    auto t = s;
    t.short_message += 'y';
    CHECK(encode_error(make(t, 8)) == codec_error::field_too_long);
    t = s;
    t.source_addr += '1';
    CHECK(encode_error(make(t, 8)) == codec_error::field_too_long);
    t = s;
    t.destination_addr += '2';
    CHECK(encode_error(make(t, 8)) == codec_error::field_too_long);
    t = s;
    t.service_type += 'F';
    CHECK(encode_error(make(t, 8)) == codec_error::field_too_long);
    t = s;
    t.validity_period = "12";
    CHECK(encode_error(make(t, 8)) == codec_error::bad_time_format);
    t = s;
    t.destination_addr = std::string(
        "628\0"
        "1",
        5);
    CHECK(encode_error(make(t, 8)) == codec_error::embedded_nul);
  }
}

TEST_CASE("submit_sm_resp: message_id, an error without body, a vendor status") {
  submit_sm_resp r;
  r.message_id = "abc123";
  check_both_ways(hex("00000017 80000004 00000000 00000005") + text("abc123") + z, make(r, 5));
  // SMPP 3.4 4.4.2: no body when the status is an error; we send none either.
  check_both_ways(hex("00000010 80000004 00000058 00000006"),
                  make(submit_sm_resp{}, 6, command_status::esme_rthrottled));
  submit_sm_resp with_id;
  with_id.message_id = "x";
  CHECK(encode_error(make(with_id, 6, command_status::esme_rthrottled)) ==
        codec_error::body_not_allowed);
  check_decodes(hex("00000010 80000004 00000401 00000007"),
                make(submit_sm_resp{}, 7, static_cast<command_status>(0x401)));
  r.message_id = std::string(65, 'm');
  CHECK(encode_error(make(r, 5)) == codec_error::field_too_long);
}

TEST_CASE(
    "deliver_sm: a delivery receipt with receipted_message_id, message_state, "
    "network_error_code") {
  const bytes wire = hex("00000060 00000005 00000000 00000009") + z + hex("01 01") +
                     text("6281234567890") + z + hex("05 00") + text("LAPOR") + z +
                     hex("04 00 00") + z + z + hex("00 00 00 00") + hex("16") +
                     text("id:abc123 stat:DELIVRD") + hex("001E 0007") + text("abc123") + z +
                     hex("0427 0001 02") + hex("0423 0003 03 0001");
  deliver_sm d;
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = "6281234567890";
  d.dest_addr_ton = 5;
  d.destination_addr = "LAPOR";
  d.esm_class = 4;
  d.short_message = "id:abc123 stat:DELIVRD";
  d.tlvs.receipted_message_id = "abc123";
  d.tlvs.message_state = 2;
  d.tlvs.network_error_code = network_error{3, 1};
  check_both_ways(wire, make(d, 9));
}

TEST_CASE("deliver_sm: SAR, USSD and unknown TLVs, unknown ones kept in wire order") {
  const bytes wire =
      hex("0000005B 00000005 00000000 0000000A") + z + hex("01 01") + text("6281234567890") + z +
      hex("00 00") + text("1717") + z + hex("40 00 00") + z + z + hex("00 00 00 00") + hex("03") +
      text("abc") + hex("1400 0003 010203") + hex("020F 0001 02") + hex("020E 0001 03") +
      hex("020C 0002 0007") + hex("1401 0000") + hex("0501 0001 01") + hex("1383 0002 0100");
  deliver_sm d;
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = "6281234567890";
  d.destination_addr = "1717";
  d.esm_class = 0x40;
  d.short_message = "abc";
  d.tlvs.sar_segment_seqnum = 2;
  d.tlvs.sar_total_segments = 3;
  d.tlvs.sar_msg_ref_num = 7;
  d.tlvs.ussd_service_op = 1;
  d.tlvs.its_session_info = 0x0100;
  d.tlvs.other = {tlv{0x1400, std::string("\x01\x02\x03", 3)}, tlv{0x1401, ""}};
  check_decodes(wire, make(d, 10));

  // We send the typed TLVs first, then the others in their order.
  const bytes ours = hex("0000005B 00000005 00000000 0000000A") + z + hex("01 01") +
                     text("6281234567890") + z + hex("00 00") + text("1717") + z + hex("40 00 00") +
                     z + z + hex("00 00 00 00") + hex("03") + text("abc") + hex("020C 0002 0007") +
                     hex("020E 0001 03") + hex("020F 0001 02") + hex("0501 0001 01") +
                     hex("1383 0002 0100") + hex("1400 0003 010203") + hex("1401 0000");
  check_both_ways(ours, make(d, 10));
}

TEST_CASE("deliver_sm: a second occurrence of a typed TLV is kept in `other`") {
  const bytes wire = hex("00000030 00000005 00000000 00000001") + z7 + hex("00 00 00") + z + z +
                     hex("00 00 00 00") + hex("00") + hex("020F 0001 01") + hex("020F 0001 02") +
                     hex("0501 0001 11");
  // body: 1 + (1+1+1) + (1+1+1) + 3 + 2 + 4 + 1 = 17, TLVs 15: 16 + 32 = 48 = 0x30
  deliver_sm d;
  d.tlvs.sar_segment_seqnum = 1;
  d.tlvs.ussd_service_op = 0x11;
  d.tlvs.other = {tlv{tag::sar_segment_seqnum, "\x02"}};
  check_decodes(wire, make(d, 1));
}

TEST_CASE("deliver_sm: UCS-2 text in message_payload, NULs kept") {
  std::string payload;
  for (int i = 0; i < 100; ++i)
    payload += std::string("\x00\x41", 2);
  const bytes wire = hex("000000FE 00000005 00000000 00000002") + z + hex("01 01") +
                     text("6281234567890") + z + hex("00 00") + text("1717") + z + hex("00 00 00") +
                     z + z + hex("00 00 08 00") + hex("00") + hex("0424 00C8") + text(payload);
  deliver_sm d;
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = "6281234567890";
  d.destination_addr = "1717";
  d.data_coding = 8;
  d.tlvs.message_payload = payload;
  check_both_ways(wire, make(d, 2));
}

TEST_CASE("deliver_sm_resp") {
  check_both_ways(hex("00000011 80000005 00000000 00000009 00"), make(deliver_sm_resp{}, 9));
  // Liberal: no body at all, or a message_id a peer filled in anyway.
  check_decodes(hex("00000010 80000005 00000000 00000009"), make(deliver_sm_resp{}, 9));
  deliver_sm_resp filled;
  filled.message_id = "x1";
  check_decodes(hex("00000013 80000005 00000000 00000009") + text("x1") + z, make(filled, 9));
  // Strict: the specification says NULL, so we never send one.
  CHECK(encode_error(make(filled, 9)) == codec_error::field_too_long);
}

TEST_CASE("data_sm with message_payload, data_sm_resp with network_error_code") {
  data_sm d;
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = "6281234567890";
  d.destination_addr = "1717";
  d.tlvs.message_payload = "LAPOR";
  check_both_ways(hex("00000034 00000103 00000000 0000000B") + z + hex("01 01") +
                      text("6281234567890") + z + hex("00 00") + text("1717") + z +
                      hex("00 00 00") + hex("0424 0005") + text("LAPOR"),
                  make(d, 11));

  data_sm_resp r;
  r.message_id = "m1";
  r.tlvs.network_error_code = network_error{3, 1};
  check_both_ways(
      hex("0000001A 80000103 00000000 0000000B") + text("m1") + z + hex("0423 0003 03 0001"),
      make(r, 11));
  check_decodes(hex("00000010 80000103 000000FE 0000000C"),
                make(data_sm_resp{}, 12, command_status::esme_rdeliveryfailure));
}

TEST_CASE("alert_notification with ms_availability_status") {
  alert_notification a;
  a.source_addr_ton = 1;
  a.source_addr_npi = 1;
  a.source_addr = "6281234567890";
  a.esme_addr = "1717";
  a.tlvs.other = {tlv{0x0422, std::string(1, '\0')}};
  check_both_ways(hex("0000002C 00000102 00000000 0000000C 01 01") + text("6281234567890") + z +
                      hex("00 00") + text("1717") + z + hex("0422 0001 00"),
                  make(a, 12));
}

TEST_CASE("message_payload up to 64 KiB") {
  data_sm d;
  d.tlvs.message_payload = std::string(65535, '\0');
  bytes out;
  REQUIRE(encode(make(d, 1), out) == std::error_code{});
  // header 16 + body 1+2+1+2+1+3 = 10 + TLV 4 + 65535
  CHECK(out.size() == 16 + 10 + 4 + 65535);
  CHECK(std::vector<std::uint8_t>(out.begin(), out.begin() + 4) == hex("00 01 00 1D"));
  pdu back;
  REQUIRE(decode(out, back) == std::error_code{});
  CHECK(back == make(d, 1));
  d.tlvs.message_payload->push_back('x');
  CHECK(encode_error(make(d, 1)) == codec_error::tlv_too_long);
}

TEST_CASE("bad input: each gets a clear error") {
  SUBCASE("fewer than 16 octets, and a command_length under 16") {
    CHECK(decode_error(hex("00000010 00000015")) == codec_error::command_length_too_small);
    CHECK(decode_error(hex("0000000F 00000015 00000000 00000001")) ==
          codec_error::command_length_too_small);
  }
  SUBCASE("command_length differs from the frame (lying or truncated)") {
    CHECK(decode_error(hex("00000020 00000015 00000000 00000001")) == codec_error::length_mismatch);
    CHECK(decode_error(hex("00000010 80000004 00000000 00000001") + text("abc") + z) ==
          codec_error::length_mismatch);
  }
  SUBCASE("unknown and unsupported command_id") {
    CHECK(decode_error(hex("00000010 00000099 00000000 00000001")) ==
          codec_error::unknown_command_id);
    CHECK(decode_error(hex("00000010 00000003 00000000 00000001")) ==
          codec_error::unsupported_command_id);
  }
  SUBCASE("body truncated inside a mandatory field") {
    // bind_transmitter cut after the password: system_type missing
    CHECK(decode_error(hex("00000016 00000002 00000000 00000001") + text("ab") + z + text("pw") +
                       z) == codec_error::truncated_body);
    // submit_sm whose source_addr never ends
    CHECK(decode_error(hex("00000016 00000004 00000000 00000001") + z + hex("01 01") +
                       text("628")) == codec_error::unterminated_string);
    // deliver_sm cut after data_coding
    CHECK(decode_error(hex("0000001F 00000005 00000000 00000001") + z7 + hex("00 00 00") + z + z +
                       hex("00 00 00")) == codec_error::truncated_body);
  }
  SUBCASE("sm_length pointing past the end") {
    CHECK(decode_error(hex("00000026 00000005 00000000 00000001") + z7 + hex("00 00 00") + z + z +
                       hex("00 00 00 00") + hex("C8") + text("Hello")) ==
          codec_error::short_message_overrun);
  }
  SUBCASE("a TLV longer than what is left, and a torn TLV header") {
    CHECK(decode_error(hex("00000027 00000005 00000000 00000001") + z7 + hex("00 00 00") + z + z +
                       hex("00 00 00 00") + hex("00") + hex("0424 00FF 4142")) ==
          codec_error::truncated_tlv);
    CHECK(decode_error(hex("00000023 00000005 00000000 00000001") + z7 + hex("00 00 00") + z + z +
                       hex("00 00 00 00") + hex("00") + hex("0424")) == codec_error::truncated_tlv);
  }
  SUBCASE("a known TLV with the wrong length") {
    CHECK(decode_error(hex("00000026 00000005 00000000 00000001") + z7 + hex("00 00 00") + z + z +
                       hex("00 00 00 00") + hex("00") + hex("020C 0001 07")) ==
          codec_error::bad_tlv_length);
    CHECK(decode_error(hex("00000027 00000005 00000000 00000001") + z7 + hex("00 00 00") + z + z +
                       hex("00 00 00 00") + hex("00") + hex("0423 0002 0300")) ==
          codec_error::bad_tlv_length);
  }
}

TEST_CASE("read_header reads the four header fields") {
  const auto h = read_header(hex("00000011 80000005 00000401 7FFFFFFF 00"));
  REQUIRE(h);
  CHECK(*h == pdu_header{0x11, 0x80000005, 0x401, 0x7FFFFFFF});
  CHECK_FALSE(read_header(hex("00000011 80000005 00000401 7FFFFF")));
}
