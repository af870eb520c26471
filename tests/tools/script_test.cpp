#include <doctest/doctest.h>

#include "script.hpp"

using namespace lapord::smsc_sim;
namespace smpp = lapord::smpp;

namespace {
script parse_ok(std::string_view text) {
  std::string error;
  auto s = parse_script(text, "s.jsonl", error);
  INFO(error);
  REQUIRE(s.has_value());
  return *s;
}
std::string parse_error(std::string_view text) {
  std::string error;
  auto s = parse_script(text, "s.jsonl", error);
  CHECK_FALSE(s.has_value());
  return error;
}
const mo_step& only_mo(const script& s) {
  return std::get<mo_step>(s.dialogues.at(0).steps.at(0).action);
}
}  // namespace

TEST_CASE("an MO step with defaults") {
  auto s =
      parse_ok(R"({"source":"6281234567890","destination":"1708","text":"LAPOR jalan rusak"})");
  REQUIRE(s.dialogues.size() == 1);
  CHECK(s.dialogues[0].name == "main");
  const auto& mo = only_mo(s);
  CHECK(mo.fields.source_addr == "6281234567890");
  CHECK(mo.fields.source_addr_ton == 1);
  CHECK(mo.fields.source_addr_npi == 1);
  CHECK(mo.fields.dest_addr_ton == 0);
  CHECK(mo.octets == "LAPOR jalan rusak");
  auto parts = build_parts(mo, 1);
  REQUIRE(parts.size() == 1);
  const auto& d = std::get<smpp::deliver_sm>(parts[0]);
  CHECK(d.short_message == "LAPOR jalan rusak");
  CHECK(d.esm_class == 0);
}

TEST_CASE("GSM text uses the default alphabet and the escape table") {
  auto s = parse_ok(R"({"source":"1","destination":"2","text":"@ Rp€ {x}"})");
  // '@' is septet 0x00, '€' is ESC 0x65, '{' ESC 0x28, '}' ESC 0x29.
  CHECK(only_mo(s).octets == std::string("\x00 Rp\x1b\x65 \x1b\x28x\x1b\x29", 12));
}

TEST_CASE("UCS-2 and Latin-1 text") {
  auto s = parse_ok(R"({"source":"1","destination":"2","text":"Aé😀","data_coding":8})");
  CHECK(only_mo(s).octets == std::string("\x00\x41\x00\xe9\xd8\x3d\xde\x00", 8));
  auto l = parse_ok(R"({"source":"1","destination":"2","text":"café","data_coding":3})");
  CHECK(only_mo(l).octets == "caf\xe9");
  CHECK(decode_text(only_mo(s).octets, 8) == "Aé😀");
  CHECK(decode_text("caf\xe9", 3) == "café");
}

TEST_CASE("a long GSM message in 8-bit UDH parts") {
  std::string text(400, 'a');
  auto s =
      parse_ok(R"({"source":"1","destination":"2","split":"udh8","ref":9,"text":")" + text + "\"}");
  auto parts = build_parts(only_mo(s), 1);
  REQUIRE(parts.size() == 3);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& d = std::get<smpp::deliver_sm>(parts[i]);
    CHECK(d.esm_class == 0x40);
    CHECK(d.short_message.substr(0, 6) ==
          std::string{'\x05', '\x00', '\x03', '\x09', '\x03', static_cast<char>(i + 1)});
  }
  CHECK(std::get<smpp::deliver_sm>(parts[0]).short_message.size() == 6 + 153);
  CHECK(std::get<smpp::deliver_sm>(parts[2]).short_message.size() == 6 + 400 - 306);
}

TEST_CASE("16-bit UDH keeps a UCS-2 surrogate pair in one part and SAR uses TLVs") {
  // 65 BMP characters then an emoji: 132 octets fit, the pair would straddle 132..135.
  std::string text(65, 'b');
  text += "😀xyz";
  auto s = parse_ok(
      R"({"source":"1","destination":"2","split":"udh16","ref":258,"data_coding":8,"text":")" +
      text + "\"}");
  auto parts = build_parts(only_mo(s), 1);
  REQUIRE(parts.size() == 2);
  const auto& first = std::get<smpp::deliver_sm>(parts[0]).short_message;
  CHECK(first.substr(0, 7) == std::string{'\x06', '\x08', '\x04', '\x01', '\x02', '\x02', '\x01'});
  CHECK(first.size() == 7 + 130);  // 65 characters; the emoji went to part 2
  CHECK(decode_text(std::get<smpp::deliver_sm>(parts[1]).short_message.substr(7), 8) == "😀xyz");

  auto sar = parse_ok(R"({"source":"1","destination":"2","split":"sar","text":")" +
                      std::string(170, 'c') + "\"}");
  auto sp = build_parts(only_mo(sar), 77);
  REQUIRE(sp.size() == 2);
  const auto& t = std::get<smpp::deliver_sm>(sp[1]).tlvs;
  CHECK(t.sar_msg_ref_num == 77);
  CHECK(t.sar_total_segments == 2);
  CHECK(t.sar_segment_seqnum == 2);
  CHECK(std::get<smpp::deliver_sm>(sp[0]).short_message.size() == 160);
}

TEST_CASE("a GSM escape pair is never cut between parts") {
  std::string text(152, 'a');
  text += "€tail";  // ESC would be septet 153 of part 1
  auto s = parse_ok(R"({"source":"1","destination":"2","split":"udh8","text":")" + text + "\"}");
  auto parts = build_parts(only_mo(s), 1);
  REQUIRE(parts.size() == 2);
  CHECK(std::get<smpp::deliver_sm>(parts[0]).short_message.size() == 6 + 152);
  CHECK(std::get<smpp::deliver_sm>(parts[1]).short_message.substr(6, 2) == "\x1b\x65");
}

TEST_CASE("USSD TLVs, data_sm and payload") {
  auto s = parse_ok(
      R"({"source":"6281","destination":"1708","text":"*1708#","service_type":"USSD","tlvs":{"ussd_service_op":1,"its_session_info":"0a03","other":[{"tag":5000,"hex":"ff00"}]}})");
  const auto& mo = only_mo(s);
  CHECK(mo.fields.tlvs.ussd_service_op == 1);
  CHECK(mo.fields.tlvs.its_session_info == 0x0a03);
  REQUIRE(mo.fields.tlvs.other.size() == 1);
  CHECK(mo.fields.tlvs.other[0].value == std::string("\xff\x00", 2));
  auto d = parse_ok(R"({"source":"1","destination":"2","text":"hai","pdu":"data_sm"})");
  auto parts = build_parts(only_mo(d), 1);
  CHECK(std::get<smpp::data_sm>(parts[0]).tlvs.message_payload == "hai");
  auto p = parse_ok(R"({"source":"1","destination":"2","text":"hai","split":"payload"})");
  auto pp = build_parts(only_mo(p), 1);
  CHECK(std::get<smpp::deliver_sm>(pp[0]).short_message.empty());
  CHECK(std::get<smpp::deliver_sm>(pp[0]).tlvs.message_payload == "hai");
}

TEST_CASE("dialogues, waits and delays") {
  auto s = parse_ok(
      "# comment\n"
      R"({"dialogue":"a","source":"1","destination":"1708","text":"*1708#"})"
      "\n\n"
      R"({"dialogue":"b","delay_ms":10})"
      "\n"
      R"({"dialogue":"a","wait":"submit_sm","match":{"destination":"1","ussd_service_op":2,"text_regex":"^LAPOR"},"timeout_ms":500})"
      "\n");
  REQUIRE(s.dialogues.size() == 2);
  CHECK(s.dialogues[0].name == "a");
  CHECK(s.dialogues[0].steps.size() == 2);
  CHECK(s.dialogues[0].steps[1].line == 5);
  const auto& w = std::get<wait_step>(s.dialogues[0].steps[1].action);
  CHECK(w.timeout_ms == 500);
  submit_view v;
  v.destination = "1";
  v.ussd_service_op = 2;
  v.text = "LAPOR! 1708\n1 Buat laporan";
  CHECK(matches(w, v));
  v.ussd_service_op = 17;
  CHECK_FALSE(matches(w, v));
  v.ussd_service_op = 2;
  v.text = "x LAPOR";
  CHECK_FALSE(matches(w, v));
  v.text = "LAPOR";
  v.data_sm = true;
  CHECK_FALSE(matches(w, v));  // waits for submit_sm only
  CHECK(std::get<delay_step>(s.dialogues[1].steps[0].action).ms == 10);
}

TEST_CASE("script errors name the file, the line and the problem") {
  CHECK(parse_error("{\"source\":\"1\",\"destination\":\"2\",\"text\":\"a\"}\nnot json\n")
            .rfind("s.jsonl:2: not valid JSON", 0) == 0);
  CHECK(parse_error(R"({"source":"1","destination":"2","txt":"a"})") ==
        "s.jsonl:1: unknown key txt in an MO step");
  CHECK(parse_error(R"({"destination":"2","text":"a"})") ==
        "s.jsonl:1: an MO step needs \"source\"");
  CHECK(parse_error(R"({"source":"1","destination":"2"})") ==
        "s.jsonl:1: an MO step needs \"text\" or \"hex\"");
  CHECK(parse_error(R"({"source":"1","destination":"2","text":"a","hex":"00"})") ==
        "s.jsonl:1: give \"text\" or \"hex\", not both");
  CHECK(parse_error(R"({"source":"1","destination":"2","hex":"abc"})") ==
        "s.jsonl:1: hex: not an even number of hex digits");
  CHECK(parse_error(R"({"source":"1","destination":"2","text":"日本"})") ==
        "s.jsonl:1: text: a character is not in the GSM 03.38 alphabet (use data_coding 8)");
  CHECK(parse_error(R"({"source":"1","destination":"2","text":"a","data_coding":4})") ==
        "s.jsonl:1: text: data_coding 4 has no text encoding here; use hex");
  CHECK(parse_error(R"({"source":"1","destination":"2","text":"a","esm_class":300})") ==
        "s.jsonl:1: esm_class: 300 is out of range 0..255");
  CHECK(parse_error(R"({"source":"1","destination":"2","text":"a","split":"udh"})") ==
        "s.jsonl:1: split: expected none, udh8, udh16, sar or payload, got udh");
  CHECK(parse_error(R"({"wait":"submit_sm","match":{"text_regex":"("}})")
            .rfind("s.jsonl:1: text_regex: ", 0) == 0);
  CHECK(parse_error(R"({"wait":"deliver_sm"})") ==
        "s.jsonl:1: wait: expected submit_sm, data_sm or any, got deliver_sm");
  CHECK(parse_error(R"({"wait":"submit_sm","match":{"colour":"red"}})") ==
        "s.jsonl:1: match: unknown key colour");
  CHECK(parse_error(R"({"delay_ms":-1})") == "s.jsonl:1: delay_ms: -1 is out of range 0..86400000");
  CHECK(parse_error(
            R"({"source":"1","destination":"2","text":"a","tlvs":{"its_session_info":"123"}})") ==
        "s.jsonl:1: its_session_info: expected 4 hex digits");
  CHECK(parse_error(R"({"source":"1","destination":"2","text":"a","tlvs":{"colour":1}})") ==
        "s.jsonl:1: tlvs: unknown TLV colour");
  CHECK(parse_error("# only a comment\n") == "s.jsonl: the script has no steps");
  std::string long_text(255, 'x');
  CHECK(parse_error(R"({"source":"1","destination":"2","text":")" + long_text + "\"}") ==
        "s.jsonl:1: the message is 255 octets, over the 254 of one short_message: add \"split\"");
  std::string huge(153 * 256, 'y');
  CHECK(parse_error(R"({"source":"1","destination":"2","split":"udh8","text":")" + huge + "\"}") ==
        "s.jsonl:1: the message needs 256 parts, over 255");
}

TEST_CASE("hex helpers") {
  CHECK(to_hex(std::string("\x00\xab\x10", 3)) == "00ab10");
  CHECK(from_hex("00AB10") == std::string("\x00\xab\x10", 3));
  CHECK_FALSE(from_hex("0g").has_value());
  CHECK_FALSE(from_hex("abc").has_value());
}
