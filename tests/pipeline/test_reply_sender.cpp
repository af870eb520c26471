// The pure parts of sending replies: segments as submit_sm, and what an answer means.
#include <doctest/doctest.h>

#include "lapord/app/replies/reply_sender.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::app {
namespace {
store::reply reply_with(std::string text) {
  store::reply r;
  r.id = 0x1234;
  r.carrier = "tsel";
  r.source = "1708";
  r.destination = "6281234567890";
  r.text = std::move(text);
  r.kind = "ack";
  r.attempts = 1;
  return r;
}
}  // namespace

TEST_CASE("a short GSM reply is one submit_sm to the international number, receipt asked") {
  auto segs = reply_segments(reply_with("LAPOR! Laporan diterima, tiket 48219375"), {});
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].source_addr == "1708");
  CHECK(segs[0].source_addr_ton == 3);
  CHECK(segs[0].destination_addr == "6281234567890");
  CHECK(segs[0].dest_addr_ton == 1);
  CHECK(segs[0].dest_addr_npi == 1);
  CHECK(segs[0].data_coding == 0);
  CHECK(segs[0].esm_class == 0);
  CHECK(segs[0].registered_delivery == 1);
  CHECK(segs[0].short_message == "LAPOR! Laporan diterima, tiket 48219375");
}

TEST_CASE("the sender of replies: today's rule, or the carrier's source_addr/ton/npi") {
  const auto text = std::string("LAPOR! Laporan diterima, tiket 48219375");
  // No settings: a short code is 3/0 (network specific), a longer number 1/1 (E.164).
  auto segs = reply_segments(reply_with(text), {});
  CHECK(segs.at(0).source_addr_npi == 0);
  auto longer = reply_with(text);
  longer.source = "628111708";
  segs = reply_segments(longer, {});
  CHECK(segs.at(0).source_addr == "628111708");
  CHECK(segs.at(0).source_addr_ton == 1);
  CHECK(segs.at(0).source_addr_npi == 1);
  // The carrier's TON/NPI, for the number the citizen wrote to.
  segs = reply_segments(reply_with(text), {}, reply_source{"", 0, 1});
  CHECK(segs.at(0).source_addr == "1708");
  CHECK(segs.at(0).source_addr_ton == 0);
  CHECK(segs.at(0).source_addr_npi == 1);
  // Its own sender address, on every segment of a long reply.
  const std::string long_text(400, 'a');
  segs = reply_segments(reply_with(long_text), {}, reply_source{"LAPOR", 5, 0});
  REQUIRE(segs.size() == 3);
  for (const auto& s : segs) {
    CHECK(s.source_addr == "LAPOR");
    CHECK(s.source_addr_ton == 5);
    CHECK(s.source_addr_npi == 0);
  }
  // Only the address: TON/NPI follow today's rule for that address.
  segs = reply_segments(reply_with(text), {}, reply_source{"6281100001708", {}, {}});
  CHECK(segs.at(0).source_addr == "6281100001708");
  CHECK(segs.at(0).source_addr_ton == 1);
  CHECK(segs.at(0).source_addr_npi == 1);
}

TEST_CASE("carrier_profiles: each carrier's settings, defaults for an unknown one, swapped whole") {
  net::carrier_settings tsel;
  tsel.name = "tsel";
  tsel.receipt_id = text::receipt_id_form::decimal;
  tsel.source_addr = "1708";
  tsel.source_ton = 0;
  net::carrier_settings xl;
  xl.name = "xl";
  carrier_profiles profiles({tsel, xl});
  CHECK(profiles.of("tsel").receipt_id == text::receipt_id_form::decimal);
  CHECK(profiles.of("tsel").source.addr == "1708");
  CHECK(profiles.of("tsel").source.ton == 0);
  CHECK_FALSE(profiles.of("tsel").source.npi);
  CHECK(profiles.of("xl").receipt_id == text::receipt_id_form::automatic);
  CHECK_FALSE(profiles.of("xl").source.ton);
  CHECK(profiles.of("isat").receipt_id == text::receipt_id_form::automatic);
  profiles.replace({xl});
  CHECK(profiles.of("tsel").receipt_id == text::receipt_id_form::automatic);
  CHECK(profiles.of("tsel").source.addr.empty());
}

TEST_CASE("a long notification with an emoji goes UCS-2 in UDH-concatenated segments") {
  std::string text = "LAPOR! Tiket 48219375 DITANGGAPI - Kab. Tangerang: ";
  for (int i = 0; i < 10; ++i)
    text += "Perbaikan jalan dijadwalkan minggu depan. ";
  text += "\xF0\x9F\x91\x8D";
  auto segs = reply_segments(reply_with(text), {});
  REQUIRE(segs.size() > 1);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    CHECK(segs[i].data_coding == 8);
    CHECK(segs[i].esm_class == 0x40);
    REQUIRE(segs[i].short_message.size() > 6);
    CHECK(static_cast<unsigned char>(segs[i].short_message[3]) == 0x34);  // reference low byte
    CHECK(static_cast<std::size_t>(segs[i].short_message[5]) == i + 1);
    CHECK(segs[i].short_message.size() <= 140);
  }
}

TEST_CASE("SAR and message_payload methods") {
  std::string text(200, 'a');
  reply_sender_options sar;
  sar.concat = text::concat_method::sar;
  auto segs = reply_segments(reply_with(text), sar);
  REQUIRE(segs.size() == 2);
  CHECK(segs[0].tlvs.sar_total_segments == 2);
  CHECK(segs[1].tlvs.sar_segment_seqnum == 2);
  CHECK(segs[0].esm_class == 0);
  reply_sender_options payload;
  payload.concat = text::concat_method::message_payload;
  segs = reply_segments(reply_with(text), payload);
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].short_message.empty());
  CHECK(segs[0].tlvs.message_payload == text);
}

TEST_CASE("judging the carrier's answers") {
  using smpp::command_status;
  CHECK(judge_reply({}, 1, 20) == reply_verdict::submitted);
  CHECK(judge_reply(make_error_code(command_status::esme_rinvdstadr), 1, 20) ==
        reply_verdict::failed);
  CHECK(judge_reply(make_error_code(command_status::esme_rsyserr), 1, 20) == reply_verdict::retry);
  CHECK(judge_reply(make_error_code(command_status::esme_rsyserr), 20, 20) ==
        reply_verdict::failed);
  CHECK(judge_reply(net::make_error_code(net::carrier_error::shutting_down), 3, 20) ==
        reply_verdict::retry);
  CHECK(judge_reply(net::make_error_code(net::carrier_error::no_response), 3, 20) ==
        reply_verdict::retry);
  CHECK(judge_reply(net::make_error_code(net::carrier_error::unknown_carrier), 1, 20) ==
        reply_verdict::failed);
}

}  // namespace lapord::app
