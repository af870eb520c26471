// Differential test: our codec against libsmpp34 on the hand-written seed PDUs and on PDUs we
// encode. Where both accept a PDU, every field must be equal.
#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "smpp/bytes.hpp"
#include "smpp/differential.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;

namespace {

bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const bytes z = hex("00");

}  // namespace

TEST_CASE("differential: every seed PDU decodes the same in both codecs") {
  const auto dir = std::filesystem::path(LAPORD_SOURCE_DIR) / "tests/fuzz-corpus/smpp_diff";
  // Legal PDUs libsmpp34 refuses (see dependencies.md): everything else must be compared.
  const std::set<std::string> it_refuses = {
      "bind_receiver_resp_error_nobody.bin",  // error bind_resp without body
      "generic_nack_seq0.bin",                // sequence_number 0
      "data_sm_resp.bin",                     // data_sm_resp with a TLV
  };
  int agreed = 0;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto file = entry.path().filename().string();
    const auto c = compare_decoders(read_file(entry.path()));
    INFO(file);
    ++files;
    CHECK(c.result != verdict::ours_refused);  // the seeds are all valid PDUs
    if (it_refuses.count(file) != 0) {
      CHECK(c.result == verdict::theirs_rejected);
    } else {
      CHECK(c.result == verdict::agreed);
      agreed += c.result == verdict::agreed;
    }
  }
  MESSAGE("seeds: " << files << ", compared field by field and equal: " << agreed);
  CHECK(files >= 25);
}

TEST_CASE("differential: where libsmpp34 is stricter than the specification and carriers") {
  SUBCASE("a vendor command_status") {
    const auto c = compare_decoders(hex("00000010 80000004 00000401 00000007"));
    CHECK(c.result == verdict::theirs_rejected);
    CHECK(c.ours.status == static_cast<command_status>(0x401));
  }
  SUBCASE("bind_resp with an error and no body") {
    CHECK(compare_decoders(hex("00000010 80000001 0000000E 00000002")).result ==
          verdict::theirs_rejected);
  }
  SUBCASE("sequence_number 0 on generic_nack") {
    CHECK(compare_decoders(hex("00000010 80000000 00000003 00000000")).result ==
          verdict::theirs_rejected);
  }
  SUBCASE("message_payload over 1024 octets (its leak is reclaimed: this runs under LSan)") {
    data_sm d;
    d.tlvs.message_payload = std::string(2000, 'A');
    pdu p;
    p.sequence_number = 1;
    p.body = d;
    CHECK(compare_encoding(p).result == verdict::theirs_rejected);
  }
}

TEST_CASE("differential: a TLV read by libsmpp34's table instead of the wire is never equal") {
  // submit_sm with source_port (0x020A, a 2-octet TLV in its table) sent with length 3:
  // we keep it as an unknown TLV; libsmpp34 reads 2 octets and loses its way.
  const bytes wire =
      hex("00000028 00000004 00000000 00000001") + bytes(17, 0) + hex("020A 0003 000102");
  const auto c = compare_decoders(wire);
  CHECK(c.result != verdict::agreed);
  CHECK(c.result != verdict::disagreed);
  CHECK(c.result != verdict::ours_refused);
}

namespace {

void add(std::vector<pdu>& pdus, pdu_body body, std::uint32_t seq,
         command_status st = command_status::esme_rok) {
  pdu p;
  p.status = st;
  p.sequence_number = seq;
  p.body = std::move(body);
  pdus.push_back(std::move(p));
}

// Binds, outbind, unbind, enquire_link, generic_nack: every field at its longest.
std::vector<pdu> session_pdus() {
  std::vector<pdu> pdus;
  bind_transceiver bt;
  bt.system_id = "ABCDEFGHIJKLMNO";
  bt.password = "12345678";
  bt.system_type = "SYSTEMTYPE12";
  bt.addr_ton = 1;
  bt.addr_npi = 1;
  bt.address_range = std::string(40, '6');
  add(pdus, bt, 1);
  add(pdus, bind_transmitter{bt}, 2);
  add(pdus, bind_receiver{bt}, 3);
  bind_transceiver_resp br;
  br.system_id = "SMSC";
  br.tlvs.sc_interface_version = 0x34;
  add(pdus, br, 1);
  add(pdus, outbind{"SMSC", "pw"}, 4);
  add(pdus, unbind{}, 5);
  add(pdus, unbind_resp{}, 5);
  add(pdus, enquire_link{}, 0x7FFFFFFF);
  add(pdus, enquire_link_resp{}, 0x7FFFFFFF);
  add(pdus, generic_nack{}, 9, command_status::esme_rinvcmdid);
  return pdus;
}

// submit_sm, deliver_sm (a receipt, a USSD one), data_sm, alert_notification and their answers,
// with the typed TLVs and vendor ones.
std::vector<pdu> message_pdus() {
  std::vector<pdu> pdus;
  submit_sm s;
  s.service_type = "CMT";
  s.source_addr_ton = 5;
  s.source_addr = "LAPOR";
  s.dest_addr_ton = 1;
  s.dest_addr_npi = 1;
  s.destination_addr = std::string(20, '8');
  s.registered_delivery = 1;
  s.data_coding = 8;
  s.schedule_delivery_time = "000000000100000R";
  s.validity_period = "261128120000028+";
  s.short_message = std::string("\x00L\x00\x00\x00P", 6) + std::string(248, '\0');
  s.tlvs.sar_msg_ref_num = 0xBEEF;
  s.tlvs.sar_total_segments = 3;
  s.tlvs.sar_segment_seqnum = 2;
  s.tlvs.user_message_reference = 77;
  s.tlvs.other = {tlv{0x1400, std::string("\x00\x01", 2)}};
  add(pdus, s, 10);

  submit_sm_resp sr;
  sr.message_id = std::string(64, 'f');
  add(pdus, sr, 10);
  add(pdus, submit_sm_resp{}, 11, command_status::esme_rthrottled);

  deliver_sm receipt;
  receipt.source_addr_ton = 1;
  receipt.source_addr_npi = 1;
  receipt.source_addr = "6281234567890";
  receipt.destination_addr = "LAPOR";
  receipt.esm_class = 4;
  receipt.short_message = "id:abc stat:DELIVRD err:000";
  receipt.tlvs.receipted_message_id = std::string(64, 'r');
  receipt.tlvs.message_state = 2;
  receipt.tlvs.network_error_code = network_error{3, 0x0102};
  add(pdus, receipt, 12);

  deliver_sm ussd;
  ussd.source_addr = "6281234567890";
  ussd.destination_addr = "*123#";
  ussd.tlvs.ussd_service_op = 1;
  ussd.tlvs.its_session_info = 0x0A01;
  ussd.tlvs.message_payload = std::string(1024, '\0');
  add(pdus, ussd, 13);
  add(pdus, deliver_sm_resp{}, 13);

  data_sm d;
  d.source_addr_ton = 1;
  d.source_addr = std::string(20, '6');
  d.destination_addr = std::string(64, '1');
  d.tlvs.message_payload = "LAPOR#ref";
  d.tlvs.sar_msg_ref_num = 1;
  add(pdus, d, 14);
  data_sm_resp dr;
  dr.message_id = "m-14";
  add(pdus, dr, 14);

  alert_notification a;
  a.source_addr = std::string(64, '6');
  a.esme_addr = "1717";
  a.tlvs.other = {tlv{0x0422, std::string(1, '\x01')}};
  add(pdus, a, 15);
  return pdus;
}

}  // namespace

TEST_CASE("differential: what we encode libsmpp34 reads back the same") {
  std::vector<pdu> pdus = session_pdus();
  for (auto& p : message_pdus())
    pdus.push_back(std::move(p));
  for (const auto& p : pdus) {
    INFO(name(p.command()));
    const auto c = compare_encoding(p);
    CHECK(c.result == verdict::agreed);
  }
}

TEST_CASE("differential: unknown TLVs round-trip byte-exact, and the section is kept as it came") {
  // deliver_sm with vendor TLVs (tags outside SMPP 3.4 and libsmpp34's table) of 0, 1, 3 and
  // 300 octets, NULs inside, one tag twice, around a typed one.
  const bytes section = hex("1401 0000") + hex("1402 0001 00") + hex("2000 0003 00FF00") +
                        hex("020C 0002 BEEF") + hex("1401 0003") + text("abc") + hex("3FFF 012C") +
                        bytes(300, 0x5A);
  const bytes body = bytes(17, 0);  // every mandatory field empty, sm_length 0
  const auto length = static_cast<std::uint32_t>(16 + body.size() + section.size());
  bytes header = hex("00000005 00000000 0000002A");
  for (int shift = 0; shift <= 24; shift += 8)
    header.insert(header.begin(), static_cast<std::uint8_t>(length >> shift));
  const bytes wire = header + body + section;

  const auto c = compare_decoders(wire);
  CHECK(c.result == verdict::agreed);  // libsmpp34 reads the same values, in the same order
  const auto& tlvs = std::get<deliver_sm>(c.ours.body).tlvs;
  REQUIRE(tlvs.other.size() == 5);
  CHECK(tlvs.other[0] == tlv{0x1401, ""});
  CHECK(tlvs.other[2] == tlv{0x2000, std::string("\x00\xFF\x00", 3)});
  CHECK(tlvs.other[4].value == std::string(300, 'Z'));
  CHECK(tlvs.sar_msg_ref_num == 0xBEEF);
  CHECK(tlvs.wire == std::string(section.begin(), section.end()));  // as received

  // Re-encoded: the typed one moves before the others (encode writes values, not `wire`); with
  // only unknown TLVs the PDU comes back octet for octet.
  pdu only_unknown = c.ours;
  std::get<deliver_sm>(only_unknown.body).tlvs.sar_msg_ref_num.reset();
  bytes again;
  REQUIRE(!encode(only_unknown, again));
  const bytes without_sar = hex("1401 0000") + hex("1402 0001 00") + hex("2000 0003 00FF00") +
                            hex("1401 0003") + text("abc") + hex("3FFF 012C") + bytes(300, 0x5A);
  bytes expected = header + body + without_sar;
  expected[3] = static_cast<std::uint8_t>(expected[3] - 6);  // 6 octets fewer, no borrow here
  CHECK(again == expected);
  CHECK(compare_encoding(only_unknown).result == verdict::agreed);
}
