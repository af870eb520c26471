#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lapord/text/receipt.hpp"

using namespace lapord::text;

TEST_CASE("receipts are recognised from esm_class bits 2-5") {
  CHECK(receipt_kind_of(0x00) == receipt_kind::none);
  CHECK(receipt_kind_of(0x40) == receipt_kind::none);  // UDHI alone: an ordinary long MO
  CHECK(receipt_kind_of(0x80) == receipt_kind::none);  // reply path
  CHECK(receipt_kind_of(0x03) == receipt_kind::none);  // messaging mode bits
  CHECK(receipt_kind_of(0x04) == receipt_kind::smsc_delivery_receipt);
  CHECK(receipt_kind_of(0x44) == receipt_kind::smsc_delivery_receipt);
  CHECK(receipt_kind_of(0x08) == receipt_kind::sme_delivery_ack);
  CHECK(receipt_kind_of(0x10) == receipt_kind::sme_manual_ack);
  CHECK(receipt_kind_of(0x20) == receipt_kind::intermediate_notification);
  CHECK(receipt_kind_of(0x0C) == receipt_kind::other);
  CHECK_FALSE(is_delivery_receipt(0x00));
  CHECK_FALSE(is_delivery_receipt(0x40));
  for (const unsigned esm : {0x04u, 0x08u, 0x10u, 0x20u, 0x0Cu, 0x3Cu, 0x24u}) {
    CHECK(is_delivery_receipt(static_cast<std::uint8_t>(esm)));
  }
}

TEST_CASE("receipt text: the SMPP 3.4 appendix B form (Logica/CMG, capital Text:)") {
  const auto r =
      read_receipt(0x04,
                   "id:0123456789 sub:001 dlvrd:001 submit date:0610191018 done date:0610191018 "
                   "stat:DELIVRD err:000 Text:Laporan Anda",
                   {});
  CHECK(r.kind == receipt_kind::smsc_delivery_receipt);
  CHECK(r.text_parsed);
  CHECK(r.raw_id == "0123456789");
  CHECK(r.message_id == std::string("123456789"));
  CHECK(r.submitted == 1u);
  CHECK(r.delivered == 1u);
  CHECK(r.submit_date == "0610191018");
  CHECK(r.done_date == "0610191018");
  CHECK(r.stat == "DELIVRD");
  CHECK(r.state == message_state::delivered);
  CHECK(r.error == "000");
  CHECK(r.text == "Laporan Anda");
}

TEST_CASE("receipt text: Kannel-style, undelivered, seconds in the dates") {
  const auto r = read_receipt(0x04,
                              "id:1387454352 sub:001 dlvrd:000 submit date:131219143512 done "
                              "date:131219143544 stat:UNDELIV err:034 text:Terima kasih",
                              {});
  CHECK(r.message_id == std::string("1387454352"));
  CHECK(r.state == message_state::undeliverable);
  CHECK(r.delivered == 0u);
  CHECK(r.submit_date == "131219143512");
  CHECK(r.done_date == "131219143544");
  CHECK(r.error == "034");
  CHECK(r.text == "Terima kasih");
}

TEST_CASE("receipt text: Jasmin-style UUID ids, empty text") {
  const auto r = read_receipt(0x04,
                              "id:B6B5B8EA-35A2-4BD2-9B1B-5E4E4A8B9E6D sub:001 dlvrd:001 submit "
                              "date:2311281445 done date:2311281446 stat:DELIVRD err:000 text:",
                              {});
  CHECK(r.message_id == std::string("b6b5b8ea-35a2-4bd2-9b1b-5e4e4a8b9e6d"));
  CHECK(r.state == message_state::delivered);
  CHECK(r.text.empty());
  // The id from submit_sm_resp, lower-case, matches after the same normalisation.
  CHECK(canonical_message_id("b6b5b8ea-35a2-4bd2-9b1b-5e4e4a8b9e6d") == *r.message_id);
}

TEST_CASE("receipt text: upper-case labels, underscores, extra spaces, missing fields") {
  const auto upper = read_receipt(
      0x04, "ID:77 SUB:1 DLVRD:1 SUBMIT_DATE:2311281445 DONE_DATE:2311281446 STAT:EXPIRED ERR:0",
      {});
  CHECK(upper.message_id == std::string("77"));
  CHECK(upper.submitted == 1u);
  CHECK(upper.submit_date == "2311281445");
  CHECK(upper.done_date == "2311281446");
  CHECK(upper.state == message_state::expired);
  CHECK(upper.text.empty());

  const auto spaced = read_receipt(0x04, "  id: 000042   stat : rejectd  err:  text: x  ", {});
  CHECK(spaced.message_id == std::string("42"));
  CHECK(spaced.state == message_state::rejected);
  CHECK(spaced.error.empty());  // "err:" with no value, not "text:"
  CHECK(spaced.text == "x");
  CHECK_FALSE(spaced.submitted);
  CHECK(spaced.submit_date.empty());

  const auto minimal = read_receipt(0x04, "id:5 stat:ACCEPTD", {});
  CHECK(minimal.message_id == std::string("5"));
  CHECK(minimal.state == message_state::accepted);
  CHECK_FALSE(minimal.delivered);
}

TEST_CASE("receipt: the TLVs come first, the text fills the rest") {
  receipt_tlvs tlvs;
  tlvs.receipted_message_id = "1A2B3C4D";
  tlvs.message_state = 5;  // UNDELIVERABLE
  const auto r = read_receipt(0x04, "id:439041101 stat:DELIVRD err:000 text:abc", tlvs);
  CHECK(r.raw_id == "1A2B3C4D");
  CHECK(r.message_id == std::string("1a2b3c4d"));
  // The TLV's id leads the lookup whatever the carrier's receipt_id form; the text's decimal
  // id only counts for the forms that read it.
  CHECK(receipt_lookup_ids(r, receipt_id_form::hex).front() == "1a2b3c4d");
  CHECK(receipt_lookup_ids(r, receipt_id_form::decimal) == std::vector<std::string>{"1a2b3c4d"});
  CHECK(r.state == message_state::undeliverable);
  CHECK(r.stat == "DELIVRD");
  CHECK(r.text == "abc");

  // TLVs only, no text at all.
  receipt_tlvs only;
  only.receipted_message_id = "0A1B";
  only.message_state = 2;
  const auto bare = read_receipt(0x04, "", only);
  CHECK_FALSE(bare.text_parsed);
  CHECK(bare.message_id == std::string("a1b"));
  CHECK(bare.state == message_state::delivered);

  // An out-of-range TLV state falls back to the text.
  receipt_tlvs bad_state;
  bad_state.message_state = 200;
  CHECK(read_receipt(0x04, "id:1 stat:DELIVRD", bad_state).state == message_state::delivered);
}

TEST_CASE("receipt: a hex submit_sm_resp id matches a decimal receipt id") {
  // The SMSC answered submit_sm with "1A2B3C4D" (recorded as canonical_message_id of it) and
  // writes receipts with the decimal value, leading zero and all: receipt_id = "decimal".
  const auto r = read_receipt(0x04, "id:0439041101 sub:001 dlvrd:001 stat:DELIVRD", {});
  const auto ids = receipt_lookup_ids(r, receipt_id_form::decimal);
  REQUIRE(ids.size() == 1);
  CHECK(ids[0] == canonical_message_id("1A2B3C4D"));
  CHECK(ids[0] == canonical_message_id("1a2b3c4d"));
  CHECK(ids[0] == canonical_message_id("001A2B3C4D"));
  // automatic finds it too, after the id as given.
  const auto any = receipt_lookup_ids(r, receipt_id_form::automatic);
  CHECK(std::find(any.begin(), any.end(), canonical_message_id("1A2B3C4D")) != any.end());
}

TEST_CASE("receipt: a decimal submit_sm_resp id matches a hex receipt id") {
  // The other way round: submit_sm_resp "4294967295", receipts "id:0xFFFFFFFF": receipt_id = "hex".
  const auto r = read_receipt(0x04, "id:0xFFFFFFFF stat:DELIVRD", {});
  CHECK(receipt_lookup_ids(r, receipt_id_form::hex) ==
        std::vector<std::string>{canonical_message_id("4294967295")});
  // 2^64 - 1 is the largest id converted; beyond it there is no candidate, only the id as given.
  const auto big = read_receipt(0x04, "id:1FFFFFFFFFFFFFFFF stat:DELIVRD", {});
  CHECK(receipt_lookup_ids(big, receipt_id_form::hex).empty());
  CHECK(receipt_lookup_ids(big, receipt_id_form::automatic) ==
        std::vector<std::string>{"1ffffffffffffffff"});
}

TEST_CASE("receipt: ids that are hex on both sides differ only in case and zeros") {
  const auto r = read_receipt(0x04, "id:00ABCDEF12 stat:DELIVRD", {});
  CHECK(r.message_id == canonical_message_id("abcdef12"));
  CHECK(receipt_lookup_ids(r, receipt_id_form::as_is) ==
        std::vector<std::string>{canonical_message_id("ABCDEF12")});
}

TEST_CASE("canonical_message_id") {
  CHECK(canonical_message_id("0000000000000000000012") == "12");
  CHECK(canonical_message_id("abc") == "abc");
  CHECK(canonical_message_id(" 000 ") == "0");
  CHECK(canonical_message_id("").empty());
  CHECK(canonical_message_id("00FF") == "ff");
  CHECK(canonical_message_id(" B6B5-UUID ") == "b6b5-uuid");
}

TEST_CASE("receipt without any id has no message_id") {
  const auto r = read_receipt(0x04, "stat:DELIVRD err:000", {});
  CHECK_FALSE(r.message_id);
  CHECK(r.state == message_state::delivered);
  const auto garbage = read_receipt(0x04, "Pesan Anda telah terkirim", {});
  CHECK_FALSE(garbage.message_id);
  CHECK_FALSE(garbage.text_parsed);
  CHECK_FALSE(garbage.state);
}

TEST_CASE("stat words and final states") {
  CHECK(state_of_stat("DELIVRD") == message_state::delivered);
  CHECK(state_of_stat("delivered") == message_state::delivered);
  CHECK(state_of_stat("EXPIRED") == message_state::expired);
  CHECK(state_of_stat("DELETED") == message_state::deleted);
  CHECK(state_of_stat("UNDELIV") == message_state::undeliverable);
  CHECK(state_of_stat("ACCEPTD") == message_state::accepted);
  CHECK(state_of_stat("UNKNOWN") == message_state::unknown);
  CHECK(state_of_stat("REJECTD") == message_state::rejected);
  CHECK(state_of_stat("ENROUTE") == message_state::enroute);
  CHECK_FALSE(state_of_stat("WHATEVER"));
  CHECK(is_final(message_state::delivered));
  CHECK(is_final(message_state::undeliverable));
  CHECK_FALSE(is_final(message_state::enroute));
  CHECK_FALSE(is_final(message_state::unknown));
  CHECK(std::string(to_string(message_state::delivered)) == "DELIVERED");
}

TEST_CASE("receipt ids: decimal to hex and back") {
  CHECK(decimal_id_to_hex("1509949441") == "5a000001");
  CHECK(hex_id_to_decimal("5A000001") == "1509949441");
  CHECK(hex_id_to_decimal("5a000001") == "1509949441");  // case does not matter
  CHECK(hex_id_to_decimal("0x5A000001") == "1509949441");
  CHECK(hex_id_to_decimal("0X5a000001") == "1509949441");
  // Leading zeros: accepted, never in the result ("0" stays "0").
  CHECK(decimal_id_to_hex("0001509949441") == "5a000001");
  CHECK(hex_id_to_decimal("005A000001") == "1509949441");
  CHECK(decimal_id_to_hex("0") == "0");
  CHECK(decimal_id_to_hex("000") == "0");
  CHECK(hex_id_to_decimal("00") == "0");
  // The 64-bit edges, and one past them: no wrap-around.
  CHECK(decimal_id_to_hex("18446744073709551615") == "ffffffffffffffff");
  CHECK_FALSE(decimal_id_to_hex("18446744073709551616"));
  CHECK(hex_id_to_decimal("FFFFFFFFFFFFFFFF") == "18446744073709551615");
  CHECK_FALSE(hex_id_to_decimal("10000000000000000"));
  CHECK(hex_id_to_decimal("00000000000000000000FFFFFFFFFFFFFFFF") == "18446744073709551615");
  // Garbage: not a number of that base.
  for (const char* bad : {"", "0x", "-1", "+1", "1 2", "12a", "1.5", "x12", "١٢"}) {
    CAPTURE(bad);
    CHECK_FALSE(decimal_id_to_hex(bad));
  }
  for (const char* bad : {"", "0x", "-1", "5A00 0001", "5G", "abc-def", "0xx1", "é"}) {
    CAPTURE(bad);
    CHECK_FALSE(hex_id_to_decimal(bad));
  }
}

TEST_CASE("receipt_id forms: the words of the configuration") {
  for (const auto* word : {"auto", "hex", "decimal", "as_is"}) {
    const auto form = receipt_id_form_of(word);
    REQUIRE(form);
    CHECK(std::string(to_string(*form)) == word);
  }
  CHECK_FALSE(receipt_id_form_of("Auto"));
  CHECK_FALSE(receipt_id_form_of("dec"));
}

TEST_CASE("receipt lookup ids: a decimal text id for a hex submit_sm_resp id") {
  // The carrier of issue 12: submit_sm_resp "5A000001", receipt "id:1509949441", no TLV.
  const auto r = read_receipt(0x04, "id:1509949441 sub:001 dlvrd:001 stat:DELIVRD", {});
  using ids = std::vector<std::string>;
  // auto: as given first, then read as decimal, then as hex.
  CHECK(receipt_lookup_ids(r, receipt_id_form::automatic) ==
        ids{"1509949441", "5a000001", "90355045441"});
  CHECK(receipt_lookup_ids(r, receipt_id_form::decimal) == ids{"5a000001"});
  CHECK(receipt_lookup_ids(r, receipt_id_form::hex) == ids{"90355045441"});
  CHECK(receipt_lookup_ids(r, receipt_id_form::as_is) == ids{"1509949441"});
  // The recorded side is canonical_message_id(submit_sm_resp id): the decimal form finds it.
  CHECK(receipt_lookup_ids(r, receipt_id_form::decimal).front() ==
        canonical_message_id("5A000001"));
}

TEST_CASE("receipt lookup ids: the TLV goes first as written, and no id twice") {
  receipt_tlvs tlvs;
  tlvs.receipted_message_id = "5A000001";
  const auto r = read_receipt(0x04, "id:1509949441 stat:DELIVRD", tlvs);
  using ids = std::vector<std::string>;
  CHECK(receipt_lookup_ids(r, receipt_id_form::as_is) == ids{"5a000001", "1509949441"});
  CHECK(receipt_lookup_ids(r, receipt_id_form::decimal) == ids{"5a000001"});
  CHECK(receipt_lookup_ids(r, receipt_id_form::hex) ==
        ids{"5a000001", "1509949441", "90355045441"});
  // A hex text id for a decimal submit_sm_resp id.
  const auto h = read_receipt(0x04, "id:5A000001 stat:DELIVRD", {});
  CHECK(receipt_lookup_ids(h, receipt_id_form::hex) == ids{"1509949441"});
  CHECK(receipt_lookup_ids(h, receipt_id_form::automatic) == ids{"5a000001", "1509949441"});
  // An id that is neither number: as given only, whatever the form says it should be.
  const auto u = read_receipt(0x04, "id:3f2a-UUID stat:DELIVRD", {});
  CHECK(receipt_lookup_ids(u, receipt_id_form::automatic) == ids{"3f2a-uuid"});
  CHECK(receipt_lookup_ids(u, receipt_id_form::decimal).empty());
  // No id at all.
  CHECK(receipt_lookup_ids(read_receipt(0x04, "stat:DELIVRD", {}), receipt_id_form::automatic)
            .empty());
}
