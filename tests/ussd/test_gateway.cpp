// The gateway layer: a network message in, a screen / file / look_up out, for different carrier
// profiles, with aborts, timeouts, a full table and 1,000 dialogues interleaved.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "lapord/lapor/ref.hpp"
#include "lapord/lapor/ussd/gateway.hpp"
#include "lapord/text/gsm7.hpp"
#include "ussd/fixture.hpp"

namespace lapord::lapor::ussd {
namespace {

using testing::at;
using testing::real_engine;

constexpr std::string_view complaint = "Jalan berlubang dekat pasar Cikupa sudah 3 bulan";

message_in ussd_mo(std::string_view msisdn, std::string_view text,
                   std::optional<std::uint8_t> service_op,
                   std::optional<std::uint16_t> session = std::nullopt) {
  message_in d;
  d.service_type = "USSD";
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = std::string(msisdn);
  d.destination_addr = "1708";
  d.data_coding = 0;
  for (char c : text) {  // ASCII test texts: GSM septets one per octet
    auto code = text::gsm_code_of(static_cast<unsigned char>(c));
    if (code->extended) d.short_message += static_cast<char>(text::gsm_escape);
    d.short_message += static_cast<char>(code->septet);
  }
  d.ussd_service_op = service_op;
  d.its_session_info = session;
  return d;
}

// The screen of a reply, read back from its GSM septets.
std::string screen_of(const action& a) {
  REQUIRE(a.reply);
  const std::string& sm = a.reply->octets;
  std::string out;
  bool replaced = false;
  text::append_gsm_text(
      out,
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(sm.data()), sm.size()),
      replaced);
  CHECK_FALSE(replaced);
  return out;
}

// its_session_info as the spec draws it: session number, then sequence << 1 | end.
std::uint16_t session_info(unsigned session, unsigned sequence, bool end = false) {
  return static_cast<std::uint16_t>(session << 8 | sequence << 1 | (end ? 1 : 0));
}

TEST_CASE("default profile, keyed by its_session_info: a whole complaint over SMPP") {
  gateway g(real_engine(), profile{}, 100);
  action a = g.on_deliver(
      ussd_mo("6281234567890", "*1708#", op::pssr_indication, session_info(7, 1)), at(0));
  CHECK(a.kind == action_kind::reply);
  CHECK_FALSE(a.ended);
  REQUIRE(a.reply);
  const message_out& r = *a.reply;
  CHECK(r.service_type == "USSD");
  CHECK(r.destination_addr == "6281234567890");
  CHECK(r.dest_addr_ton == 1);
  CHECK(r.dest_addr_npi == 1);
  CHECK(r.source_addr == "1708");
  CHECK(r.data_coding == 0);
  CHECK(r.ussd_service_op == op::ussr_request);
  CHECK(r.its_session_info == session_info(7, 1));  // echoed, end bit clear
  CHECK(screen_of(a) == "LAPOR! 1708\n1 Buat laporan\n2 Cek status laporan\n3 Bantuan");
  CHECK(g.open_dialogues() == 1);

  a = g.on_deliver(ussd_mo("6281234567890", "1", op::ussr_confirm, session_info(7, 2)), at(5));
  CHECK(screen_of(a) == "Kata kunci daerah (mis. TANGKAB), 0 = nasional:");
  CHECK(a.reply->its_session_info == session_info(7, 2));
  a = g.on_deliver(ussd_mo("6281234567890", "TANGKAB", op::ussr_confirm, session_info(7, 3)),
                   at(10));
  CHECK(screen_of(a) == "Tulis laporan Anda:");
  a = g.on_deliver(ussd_mo("6281234567890", complaint, op::ussr_confirm, session_info(7, 4)),
                   at(40));
  CHECK(screen_of(a) == "Kirim ke Kab. Tangerang?\n1 Kirim\n2 Batal");
  a = g.on_deliver(ussd_mo("6281234567890", "1", op::ussr_confirm, session_info(7, 5)), at(45));
  REQUIRE(a.kind == action_kind::file);
  CHECK_FALSE(a.reply);
  CHECK(a.decision.text == complaint);
  REQUIRE(a.decision.institution);
  CHECK(a.decision.institution->code == "36.03");

  action last = g.filed(a.ticket, filing_result{filing_outcome::created, "48219375"}, at(46));
  CHECK(last.kind == action_kind::reply);
  CHECK(last.ended);
  CHECK(last.reply->ussd_service_op == op::pssr_response);
  CHECK(last.reply->its_session_info == session_info(7, 5, true));  // end bit set
  CHECK(screen_of(last).find("Tiket 48219375") != std::string::npos);
  CHECK(g.open_dialogues() == 0);
  // The same ticket again: the dialogue is gone.
  CHECK(g.filed(a.ticket, filing_result{filing_outcome::created, "1"}, at(47)).kind ==
        action_kind::none);
}

TEST_CASE("a profile keyed by MSISDN with no session TLV") {
  profile p;
  p.name = "msisdn_only";
  p.session_key = session_key_source::msisdn;
  p.echo_session_info = false;
  gateway g(real_engine(), p, 100);
  action a = g.on_deliver(ussd_mo("6285600000001", "*1708#", op::pssr_indication), at(0));
  CHECK(a.reply->ussd_service_op == op::ussr_request);
  CHECK_FALSE(a.reply->its_session_info);
  a = g.on_deliver(ussd_mo("6285600000001", "2", op::ussr_confirm), at(1));
  CHECK(screen_of(a) == "Nomor tiket:");
  const std::string ref = ref_generator("ussd-test-key-0123456789").make(3);
  a = g.on_deliver(ussd_mo("6285600000001", ref, op::ussr_confirm), at(2));
  REQUIRE(a.kind == action_kind::look_up);
  CHECK(a.decision.ref == ref);
  CHECK(a.decision.reporter == "+6285600000001");
  store_facts facts;
  facts.status = status_facts{complaint_state::selesai, "", 1'790'000'000};
  action last = g.looked_up(a.ticket, facts, at(3));
  CHECK(last.ended);
  CHECK(last.reply->ussd_service_op == op::pssr_response);
  CHECK_FALSE(last.reply->its_session_info);
  CHECK(screen_of(last).find("SELESAI") != std::string::npos);
  CHECK(g.open_dialogues() == 0);
}

TEST_CASE("the default profile falls back to the MSISDN when the session TLV is missing") {
  gateway g(real_engine(), profile{}, 100);
  CHECK(g.key_of(ussd_mo("628111", "x", 18)).id == 0);
  CHECK(g.key_of(ussd_mo("628111", "x", 18, session_info(3, 1))).id == (0x10000U | 3U));
  CHECK(g.on_deliver(ussd_mo("628111222333", "*1708#", 1), at(0)).kind == action_kind::reply);
  action a = g.on_deliver(ussd_mo("628111222333", "3", 18), at(1));
  CHECK(a.ended);
  CHECK(a.decision.kind == decision_kind::help);
  CHECK_FALSE(a.reply->its_session_info);
}

TEST_CASE("sessions: one MSISDN's two session numbers, and two MSISDNs, are apart") {
  gateway g(real_engine(), profile{}, 100);
  (void)g.on_deliver(ussd_mo("6281000000001", "*1708#", 1, session_info(1, 1)), at(0));
  (void)g.on_deliver(ussd_mo("6281000000001", "*1708#", 1, session_info(2, 1)), at(0));
  (void)g.on_deliver(ussd_mo("6281000000002", "*1708#", 1, session_info(1, 1)), at(0));
  CHECK(g.open_dialogues() == 3);
  CHECK(screen_of(g.on_deliver(ussd_mo("6281000000001", "1", 18, session_info(1, 2)), at(1)))
            .starts_with("Kata kunci"));
  CHECK(screen_of(g.on_deliver(ussd_mo("6281000000001", "2", 18, session_info(2, 2)), at(1))) ==
        "Nomor tiket:");
  CHECK(g.on_deliver(ussd_mo("6281000000002", "3", 18, session_info(1, 2)), at(1)).ended);
  CHECK(g.open_dialogues() == 2);
}

TEST_CASE("an abort from the network ends the dialogue cleanly, a late answer is closed") {
  gateway g(real_engine(), profile{}, 100);
  (void)g.on_deliver(ussd_mo("6281234567890", "*1708#", 1, session_info(9, 1)), at(0));
  (void)g.on_deliver(ussd_mo("6281234567890", "1", 18, session_info(9, 2)), at(1));
  (void)g.on_deliver(ussd_mo("6281234567890", "tangkab", 18, session_info(9, 3)), at(2));
  action a =
      g.on_deliver(ussd_mo("6281234567890", "", op::vendor_release, session_info(9, 4)), at(3));
  CHECK(a.kind == action_kind::none);
  CHECK(a.ended);
  CHECK(a.reason == "abort");
  CHECK(g.open_dialogues() == 0);
  CHECK(g.stats().aborted == 1);
  // The citizen's late answer: nothing to continue, the network's side gets a last screen.
  a = g.on_deliver(ussd_mo("6281234567890", complaint, 18, session_info(9, 4)), at(4));
  CHECK(a.kind == action_kind::reply);
  CHECK(a.ended);
  CHECK(a.reason == "expired");
  CHECK(a.reply->ussd_service_op == op::pssr_response);
  CHECK(a.reply->its_session_info == session_info(9, 4, true));
  CHECK(g.open_dialogues() == 0);

  // Any vendor op the profile does not list aborts too.
  (void)g.on_deliver(ussd_mo("6281234567890", "*1708#", 1, session_info(10, 1)), at(5));
  CHECK(g.on_deliver(ussd_mo("6281234567890", "", 0x90, session_info(10, 2)), at(6)).reason ==
        "abort");
  CHECK(g.open_dialogues() == 0);
}

TEST_CASE("timeouts: a late answer gets the expired screen, expire() drops only idle ones") {
  gateway g(real_engine(), profile{}, 100);
  (void)g.on_deliver(ussd_mo("6281000000001", "*1708#", 1), at(0));
  (void)g.on_deliver(ussd_mo("6281000000002", "*1708#", 1), at(100));
  (void)g.on_deliver(ussd_mo("6281000000003", "*1708#", 1), at(150));
  (void)g.on_deliver(ussd_mo("6281000000001", "1", 18), at(170));  // heard again at 170
  REQUIRE(g.next_expiry());
  CHECK(*g.next_expiry() == at(280));  // the one dialled at 100
  CHECK(g.expire(at(279)) == 0);
  CHECK(g.expire(at(280)) == 1);
  CHECK(g.open_dialogues() == 2);
  CHECK(g.expire(at(329)) == 0);
  CHECK(g.expire(at(330)) == 1);  // dialled at 150
  CHECK(g.expire(at(349)) == 0);
  CHECK(g.expire(at(350)) == 1);  // heard last at 170
  CHECK(g.open_dialogues() == 0);
  CHECK(g.stats().expired == 3);

  // Idle exactly the timeout before the sweep ran: the answer finds no dialogue.
  (void)g.on_deliver(ussd_mo("6281000000004", "*1708#", 1), at(400));
  (void)g.on_deliver(ussd_mo("6281000000004", "1", 18), at(401));
  (void)g.on_deliver(ussd_mo("6281000000004", "tangkab", 18), at(402));
  (void)g.on_deliver(ussd_mo("6281000000004", complaint, 18), at(403));
  action a = g.on_deliver(ussd_mo("6281000000004", "1", 18), at(583));
  CHECK(a.kind == action_kind::reply);  // not a file: nothing is stored half-made
  CHECK(a.reason == "expired");
  CHECK(screen_of(a) == "Sesi sudah berakhir. Silakan tekan *1708# lagi.");
  // Dialling again starts fresh.
  a = g.on_deliver(ussd_mo("6281000000004", "*1708#", 1), at(584));
  CHECK(screen_of(a).starts_with("LAPOR! 1708"));
}

TEST_CASE("dialling again while a filing is under way: the old ticket no longer applies") {
  gateway g(real_engine(), profile{}, 100);
  (void)g.on_deliver(ussd_mo("6281234567890", "*1708#", 1), at(0));
  (void)g.on_deliver(ussd_mo("6281234567890", "1", 18), at(1));
  (void)g.on_deliver(ussd_mo("6281234567890", "0", 18), at(2));
  (void)g.on_deliver(ussd_mo("6281234567890", complaint, 18), at(3));
  action f = g.on_deliver(ussd_mo("6281234567890", "1", 18), at(4));
  REQUIRE(f.kind == action_kind::file);
  action fresh = g.on_deliver(ussd_mo("6281234567890", "*1708#", 1), at(5));
  CHECK(screen_of(fresh).starts_with("LAPOR! 1708"));
  CHECK(g.filed(f.ticket, filing_result{filing_outcome::created, "48219375"}, at(6)).kind ==
        action_kind::none);
  CHECK(g.open_dialogues() == 1);
  CHECK(screen_of(g.on_deliver(ussd_mo("6281234567890", "2", 18), at(7))) == "Nomor tiket:");
}

TEST_CASE("a full table refuses new dialogues with a last screen, open ones go on") {
  gateway g(real_engine(), profile{}, 2);
  (void)g.on_deliver(ussd_mo("6281000000001", "*1708#", 1), at(0));
  (void)g.on_deliver(ussd_mo("6281000000002", "*1708#", 1), at(10));
  action busy = g.on_deliver(ussd_mo("6281000000003", "*1708#", 1), at(20));
  CHECK(busy.kind == action_kind::reply);
  CHECK(busy.ended);
  CHECK(busy.reason == "busy");
  CHECK(busy.reply->ussd_service_op == op::pssr_response);
  CHECK(screen_of(busy) == "Maaf, layanan sedang sibuk. Silakan coba lagi beberapa saat lagi.");
  CHECK(g.open_dialogues() == 2);
  CHECK(g.stats().refused_busy == 1);
  CHECK(screen_of(g.on_deliver(ussd_mo("6281000000001", "1", 18), at(21))).starts_with("Kata"));
  // Once one has expired there is room again (swept on the way in).
  action late = g.on_deliver(ussd_mo("6281000000003", "*1708#", 1), at(190));
  CHECK(screen_of(late).starts_with("LAPOR! 1708"));
  CHECK(g.open_dialogues() == 2);
}

TEST_CASE("profile options: sequence increment, user_message_reference, ops, encoding") {
  profile p;
  p.name = "umr";
  p.session_key = session_key_source::user_message_reference;
  p.sequence = session_sequence::increment;
  p.begin_ops = {op::pssd_indication};
  p.continue_ops = {op::ussr_confirm, 0x20};
  p.reply_end_op = op::pssd_response;
  p.service_type = "";
  gateway g(real_engine(), p, 10);
  auto mo = ussd_mo("6281234567890", "*1708#", op::pssd_indication, session_info(4, 126));
  mo.user_message_reference = 4242;
  action a = g.on_deliver(mo, at(0));
  CHECK(a.reply->service_type.empty());
  CHECK(a.reply->user_message_reference == 4242);
  CHECK(a.reply->its_session_info == session_info(4, 127));
  mo = ussd_mo("6281234567890", "3", 0x20, session_info(4, 127));
  mo.user_message_reference = 4242;
  a = g.on_deliver(mo, at(1));
  CHECK(a.ended);
  CHECK(a.reply->ussd_service_op == op::pssd_response);
  CHECK(a.reply->its_session_info == session_info(4, 0, true));  // 127 + 1 wraps to 0

  // A different reference is another dialogue: its answer finds nothing.
  mo = ussd_mo("6281234567890", "1", 18, session_info(4, 1));
  mo.user_message_reference = 1;
  CHECK(g.on_deliver(mo, at(2)).reason == "expired");
}

TEST_CASE("UCS-2 screens, an answer typed in UCS-2, and screens checked against the profile") {
  profile p;
  p.name = "ucs2";
  p.encoding = screen_encoding::ucs2;
  p.max_screen = 160;
  gateway g(real_engine(), p, 10);
  action a = g.on_deliver(ussd_mo("6281234567890", "*1708#", 1), at(0));
  CHECK(a.reply->data_coding == 0x08);
  CHECK(a.reply->octets.substr(0, 4) == std::string("\0L\0A", 4));
  auto mo = ussd_mo("6281234567890", "", 18);
  mo.data_coding = 0x08;
  mo.short_message = std::string(
      "\0"
      "3",
      2);
  CHECK(g.on_deliver(mo, at(1)).decision.kind == decision_kind::help);

  profile tiny;
  tiny.name = "tiny";
  tiny.max_screen = 60;
  CHECK_THROWS_AS(gateway(real_engine(), tiny, 10), data_error);
  profile both;
  both.continue_ops = {1, 18};
  CHECK_THROWS_AS(gateway(real_engine(), both, 10), std::invalid_argument);
}

TEST_CASE("which messages are USSD") {
  profile p;
  message_in sms;
  sms.short_message = "LAPOR TANGKAB jalan rusak";
  CHECK_FALSE(is_ussd(p, sms));
  sms.service_type = "USSD";
  CHECK(is_ussd(p, sms));
  sms.service_type = "";
  sms.ussd_service_op = 18;
  CHECK(is_ussd(p, sms));
}

TEST_CASE("meaning_of and reply_session_info") {
  profile p;
  CHECK(meaning_of(p, 1, false) == op_meaning::begin);
  CHECK(meaning_of(p, 18, true) == op_meaning::next);
  CHECK(meaning_of(p, 0x81, true) == op_meaning::abort);
  CHECK(meaning_of(p, 0x33, true) == op_meaning::abort);
  CHECK(meaning_of(p, std::nullopt, true) == op_meaning::next);
  CHECK(meaning_of(p, std::nullopt, false) == op_meaning::begin);
  p.end_ops = {19};
  CHECK(meaning_of(p, 19, true) == op_meaning::end);
  CHECK(reply_session_info(0x0102, false, session_sequence::echo) == 0x0102);
  CHECK(reply_session_info(0x0102, true, session_sequence::echo) == 0x0103);
  CHECK(reply_session_info(0x0103, false, session_sequence::echo) == 0x0102);  // end bit cleared
  CHECK(reply_session_info(0xAB04, true, session_sequence::increment) == 0xAB07);
}

TEST_CASE("1,000 dialogues interleaved: each answer lands on its own dialogue") {
  gateway g(real_engine(), profile{}, 5000);
  constexpr int n = 1000;
  auto msisdn = [](int i) { return "62812" + std::to_string(10'000'000 + i); };
  auto session = [](int i) { return static_cast<unsigned>(i % 256); };
  int t = 0;
  // Every dialogue moves one screen per round, all rounds interleaved across dialogues; a
  // third file a complaint (keyword by index), a third check a status, a third abort halfway.
  for (int i = 0; i < n; ++i) {
    action a = g.on_deliver(ussd_mo(msisdn(i), "*1708#", 1, session_info(session(i), 1)), at(t));
    REQUIRE(a.kind == action_kind::reply);
  }
  CHECK(g.open_dialogues() == n);
  const std::vector<std::string> keywords = {"TANGKAB", "SLEMAN", "0", "KOTABANDUNG"};
  std::map<dialogue_ticket, int> filing;
  std::map<dialogue_ticket, int> lookups;
  const ref_generator refs("ussd-test-key-0123456789");
  for (int round = 2; round <= 5; ++round) {
    ++t;
    for (int j = 0; j < n; ++j) {
      const int i = (j * 7 + round) % n;  // a different order every round
      const auto si = session_info(session(i), static_cast<unsigned>(round));
      std::string typed;
      std::optional<std::uint8_t> service_op = op::ussr_confirm;
      if (i % 3 == 0) {
        const std::string text = "Laporan nomor " + std::to_string(i) + " jalan rusak parah";
        const std::array<std::string, 4> answers = {"1", keywords[static_cast<std::size_t>(i % 4)],
                                                    text, "1"};
        typed = answers[static_cast<std::size_t>(round - 2)];
      } else if (i % 3 == 1) {
        if (round > 3) continue;
        typed = round == 2 ? "2" : refs.make(static_cast<std::uint64_t>(i));
      } else {
        if (round == 3) service_op = op::vendor_release;
        if (round > 3) continue;
        typed = "1";
      }
      action a = g.on_deliver(ussd_mo(msisdn(i), typed, service_op, si), at(t));
      if (a.kind == action_kind::file) {
        CHECK(a.decision.text == "Laporan nomor " + std::to_string(i) + " jalan rusak parah");
        CHECK(a.decision.reporter == "+" + msisdn(i));
        filing[a.ticket] = i;
      } else if (a.kind == action_kind::look_up) {
        CHECK(a.decision.ref == refs.make(static_cast<std::uint64_t>(i)));
        CHECK(a.decision.reporter == "+" + msisdn(i));
        lookups[a.ticket] = i;
      } else if (a.kind == action_kind::reply) {
        CHECK(a.reply->destination_addr == msisdn(i));
        CHECK(a.reply->its_session_info == si);
      }
    }
  }
  CHECK(filing.size() == 334);
  CHECK(lookups.size() == 333);
  // The store answers in its own order (here: reversed); each last screen goes to its owner.
  std::set<std::string> told;
  for (auto it = filing.rbegin(); it != filing.rend(); ++it) {
    const int i = it->second;
    action a = g.filed(it->first,
                       filing_result{filing_outcome::created, refs.make(10'000 + std::uint64_t(i))},
                       at(t + 1));
    REQUIRE(a.kind == action_kind::reply);
    CHECK(a.ended);
    CHECK(a.reply->destination_addr == msisdn(i));
    CHECK(a.reply->its_session_info == session_info(session(i), 5, true));
    CHECK(screen_of(a).find(refs.make(10'000 + std::uint64_t(i))) != std::string::npos);
    told.insert(msisdn(i));
  }
  for (auto& [ticket, i] : lookups) {
    action a = g.looked_up(ticket, {}, at(t + 1));
    REQUIRE(a.kind == action_kind::reply);
    CHECK(a.reply->destination_addr == msisdn(i));
    CHECK(screen_of(a).find("tidak ditemukan") != std::string::npos);
    told.insert(msisdn(i));
  }
  CHECK(told.size() == 667);
  CHECK(g.open_dialogues() == 0);  // the aborted third went with their abort
  CHECK(g.stats().aborted == 333);
}

}  // namespace
}  // namespace lapord::lapor::ussd
