// The dialogue engine through every path of the menu (shared/spec/ussd.md, "The menu").
#include <doctest/doctest.h>

#include "lapord/lapor/ref.hpp"
#include "lapord/text/utf8.hpp"
#include "ussd/fixture.hpp"

namespace lapord::lapor::ussd {
namespace {

using testing::at;
using testing::real_engine;
using testing::real_service;

constexpr std::string_view citizen = "6281234567890";
constexpr std::string_view complaint = "Jalan berlubang dekat pasar Cikupa, sudah 3 bulan!";

caller dialler(std::string_view source = citizen) {
  return caller{source, 1, 1, "1708"};
}

// A dialogue walked through `answers` (one second apart); returns the last step.
step walk(dialogue& d, std::initializer_list<std::string_view> answers) {
  const engine& e = real_engine();
  step s = e.start(d, dialler(), at(0));
  int t = 0;
  for (auto a : answers)
    s = e.answer(d, a, at(++t));
  return s;
}

std::string valid_ref(std::uint64_t n) {
  return ref_generator("ussd-test-key-0123456789").make(n);
}

TEST_CASE("dialling shows the menu, a sender that is no reporter is dropped") {
  const engine& e = real_engine();
  dialogue d;
  step s = e.start(d, dialler(), at(0));
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen == "LAPOR! 1708\n1 Buat laporan\n2 Cek status laporan\n3 Bantuan");
  CHECK(d.reporter == "+6281234567890");
  CHECK(d.at == stage::menu);

  dialogue named;
  step n = e.start(named, caller{"TELKOMSEL", 5, 0, "1708"}, at(0));
  CHECK(n.kind == step_kind::drop);
  CHECK(n.screen.empty());
  dialogue own;
  CHECK(e.start(own, caller{"1708", 0, 1, "1708"}, at(0)).kind == step_kind::drop);
}

TEST_CASE("1 Buat laporan with a keyword: confirm, file, the last screen shows the ref") {
  const engine& e = real_engine();
  dialogue d;
  step s = walk(d, {"1"});
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen == "Kata kunci daerah (mis. TANGKAB), 0 = nasional:");
  s = e.answer(d, "tangkab", at(10));
  CHECK(s.screen == "Tulis laporan Anda:");
  s = e.answer(d, std::string("  ") + std::string(complaint) + "\n", at(20));
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen == "Kirim ke Kab. Tangerang?\n1 Kirim\n2 Batal");
  s = e.answer(d, "1", at(30));
  REQUIRE(s.kind == step_kind::file);
  CHECK(s.screen.empty());
  const decision& f = s.decision;
  CHECK(f.kind == decision_kind::complaint);
  CHECK(f.reporter == "+6281234567890");
  REQUIRE(f.institution);
  CHECK(f.institution->code == "36.03");
  CHECK(f.institution->keyword == "TANGKAB");
  CHECK_FALSE(f.institution->corrected);
  CHECK(f.text == complaint);  // trimmed, otherwise exactly as typed
  CHECK(f.create_complaint);
  CHECK(f.forward);
  CHECK(f.reply_template == reply::ack);
  CHECK(d.at == stage::filing);

  // The network waits for our screen; a stray message meanwhile changes nothing.
  CHECK(e.answer(d, "1", at(31)).kind == step_kind::wait);
  CHECK(d.at == stage::filing);

  s = e.filed(d, filing_result{filing_outcome::created, "48219375"}, at(32));
  CHECK(s.kind == step_kind::finish);
  CHECK(s.screen ==
        "Laporan diterima. Tiket 48219375 utk Kab. Tangerang. Tiket juga dikirim lewat SMS.");
  CHECK(d.at == stage::ended);
  // A second answer from the daemon is not a second screen.
  CHECK(e.filed(d, filing_result{filing_outcome::created, "1"}, at(33)).kind == step_kind::drop);
}

TEST_CASE("the USSD complaint is the decision the SMS path makes for the same words") {
  dialogue d;
  step s = walk(d, {"1", "TANGKAB", complaint, "1"});
  REQUIRE(s.kind == step_kind::file);
  inbound sms;
  sms.from = "6281234567890";
  sms.from_ton = 1;
  sms.to = "1708";
  sms.text = "LAPOR TANGKAB " + std::string(complaint);
  decision by_sms = real_service().decide(sms);
  const decision& by_ussd = s.decision;
  CHECK(by_ussd.kind == by_sms.kind);
  CHECK(by_ussd.reporter == by_sms.reporter);
  REQUIRE(by_sms.institution);
  CHECK(by_ussd.institution->code == by_sms.institution->code);
  CHECK(by_ussd.institution->keyword == by_sms.institution->keyword);
  CHECK(by_ussd.text == by_sms.text);
  CHECK(by_ussd.duplicate_key == by_sms.duplicate_key);
  CHECK(by_ussd.reply_template == by_sms.reply_template);
  CHECK(real_service().render_reply(by_ussd, "48219375") ==
        real_service().render_reply(by_sms, "48219375"));
}

TEST_CASE("a keyword written out in full is matched exactly, without a question") {
  dialogue d;
  step s = walk(d, {"1", "Kab. Tangerang"});
  CHECK(s.screen == "Tulis laporan Anda:");
  s = walk(d, {"1", "Kota Bandung", complaint});
  CHECK(s.screen == "Kirim ke Kota Bandung?\n1 Kirim\n2 Batal");
}

TEST_CASE("0 sends the complaint to the national desk") {
  const engine& e = real_engine();
  dialogue d;
  step s = walk(d, {"1", "0", "Bantuan PKH tidak sampai ke warga desa kami"});
  CHECK(s.screen ==
        "Kirim ke " + real_service().institution_short_name("") + "?\n1 Kirim\n2 Batal");
  s = e.answer(d, "1", at(10));
  REQUIRE(s.kind == step_kind::file);
  CHECK_FALSE(s.decision.institution);
  CHECK(s.decision.reply_template == reply::ack_national);
  // The text is not read for a keyword: the citizen chose the national desk.
  CHECK(s.decision.text == "Bantuan PKH tidak sampai ke warga desa kami");
  s = e.filed(d, filing_result{filing_outcome::created, "12345674"}, at(11));
  CHECK(s.screen.find("Tiket 12345674") != std::string::npos);
}

TEST_CASE("a near-miss keyword is offered back: 1 Ya keeps it, 2 Ulangi asks again") {
  const engine& e = real_engine();
  dialogue d;
  step s = walk(d, {"1", "TANGKAV"});
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen == "Maksud Anda Kab. Tangerang?\n1 Ya\n2 Ulangi");
  CHECK(d.at == stage::confirm_keyword);
  s = e.answer(d, "1", at(10));
  CHECK(s.screen == "Tulis laporan Anda:");
  (void)e.answer(d, complaint, at(11));
  s = e.answer(d, "1", at(12));
  REQUIRE(s.kind == step_kind::file);
  REQUIRE(s.decision.institution);
  CHECK(s.decision.institution->code == "36.03");
  CHECK(s.decision.institution->keyword == "TANGKAB");
  CHECK(s.decision.institution->corrected);
  CHECK(s.decision.reason == "keyword_corrected");

  dialogue again;
  walk(again, {"1", "TANGKAV"});
  s = e.answer(again, "2", at(10));
  CHECK(s.screen == "Kata kunci daerah (mis. TANGKAB), 0 = nasional:");
  CHECK(again.at == stage::keyword);
  s = e.answer(again, "sleman", at(11));
  CHECK(s.screen == "Tulis laporan Anda:");
  (void)e.answer(again, complaint, at(12));
  s = e.answer(again, "1", at(13));
  REQUIRE(s.decision.institution);
  CHECK(s.decision.institution->short_name == "Kab. Sleman");
  CHECK_FALSE(s.decision.institution->corrected);
}

TEST_CASE("an unknown keyword, or more than a keyword, repeats the question with a hint") {
  const engine& e = real_engine();
  dialogue d;
  step s = walk(d, {"1", "KAMPUNG"});  // a word, never corrected to LAMPUNG
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen ==
        "Kata kunci tidak dikenal. Ketik 0 utk nasional.\nKata kunci daerah (mis. TANGKAB), 0 = "
        "nasional:");
  s = e.answer(d, "tangkab jalan rusak parah", at(10));
  CHECK(s.kind == step_kind::show);
  CHECK(s.reason == "wrong_choice");
  s = e.answer(d, "BANDUNG", at(11));  // shared by Kab. and Kota: names none
  CHECK(s.kind == step_kind::finish);
  CHECK(s.screen == "Maaf, pilihan tidak dikenali. Silakan tekan *1708# lagi.");
  CHECK(d.at == stage::ended);
}

TEST_CASE("a wrong menu choice is repeated with a hint twice, then the dialogue ends politely") {
  const engine& e = real_engine();
  dialogue d;
  step s = walk(d, {"9"});
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen == "Pilihan salah.\nLAPOR! 1708\n1 Buat laporan\n2 Cek status laporan\n3 Bantuan");
  s = e.answer(d, "", at(10));
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen.starts_with("Pilihan salah.\n"));
  s = e.answer(d, "satu", at(11));
  CHECK(s.kind == step_kind::finish);
  CHECK(s.reason == "too_many_wrong");
  CHECK(s.screen == "Maaf, pilihan tidak dikenali. Silakan tekan *1708# lagi.");
  // Over: anything more gets the "ended" screen, never a file step.
  CHECK(e.answer(d, "1", at(12)).kind == step_kind::finish);
}

TEST_CASE("wrong answers count per screen: progress resets the count") {
  const engine& e = real_engine();
  dialogue d;
  walk(d, {"x", "x", "1"});  // two wrong on the menu, then right
  CHECK(d.at == stage::keyword);
  step s = e.answer(d, "qqqqq", at(10));
  CHECK(s.kind == step_kind::show);
  s = e.answer(d, "qqqqq", at(11));
  CHECK(s.kind == step_kind::show);
  s = e.answer(d, "tangkab", at(12));
  CHECK(s.screen == "Tulis laporan Anda:");
}

TEST_CASE("a text too short to be a complaint is asked for again") {
  const engine& e = real_engine();
  dialogue d;
  step s = walk(d, {"1", "tangkab", "jalan rusak"});
  CHECK(s.kind == step_kind::show);
  CHECK(s.screen == "Laporan terlalu pendek (min. 3 kata).\nTulis laporan Anda:");
  s = e.answer(d, "a b c", at(10));  // 3 words but fewer than 10 letters
  CHECK(s.kind == step_kind::show);
  s = e.answer(d, complaint, at(11));
  CHECK(s.screen == "Kirim ke Kab. Tangerang?\n1 Kirim\n2 Batal");
}

TEST_CASE("2 Batal cancels: nothing is filed") {
  dialogue d;
  step s = walk(d, {"1", "tangkab", complaint, "2"});
  CHECK(s.kind == step_kind::finish);
  CHECK(s.screen == "Laporan dibatalkan. Terima kasih.");
  CHECK(d.input.empty());
  CHECK(d.at == stage::ended);
}

TEST_CASE("a wrong answer at the confirmation repeats it, three end without filing") {
  dialogue d;
  step s = walk(d, {"1", "tangkab", complaint, "3"});
  CHECK(s.screen == "Pilihan salah.\nKirim ke Kab. Tangerang?\n1 Kirim\n2 Batal");
  s = walk(d, {"1", "tangkab", complaint, "3", "ya", "kirim"});
  CHECK(s.kind == step_kind::finish);
  CHECK(s.reason == "too_many_wrong");
  CHECK(d.at == stage::ended);
}

TEST_CASE("a wrong answer to the near-miss question repeats it") {
  dialogue d;
  step s = walk(d, {"1", "TANGKAV", "ya"});
  CHECK(s.screen == "Pilihan salah.\nMaksud Anda Kab. Tangerang?\n1 Ya\n2 Ulangi");
}

TEST_CASE("idle past the timeout: dropped, nothing filed, each answer restarts the clock") {
  const engine& e = real_engine();
  CHECK(e.options().timeout == std::chrono::seconds(180));
  dialogue d;
  CHECK(e.start(d, dialler(), at(0)).kind == step_kind::show);
  CHECK(e.answer(d, "1", at(179)).kind == step_kind::show);        // 179 s idle: still open
  CHECK(e.answer(d, "tangkab", at(358)).kind == step_kind::show);  // 179 s since the last
  CHECK(e.answer(d, complaint, at(500)).kind == step_kind::show);
  CHECK_FALSE(e.expired(d, at(679)));
  CHECK(e.expired(d, at(680)));
  step s = e.answer(d, "1", at(680));  // "Kirim" after 180 s idle
  CHECK(s.kind == step_kind::finish);
  CHECK(s.reason == "timeout");
  CHECK(s.screen == "Sesi sudah berakhir. Silakan tekan *1708# lagi.");
  CHECK(d.at == stage::ended);
}

TEST_CASE("dialling again starts fresh") {
  const engine& e = real_engine();
  dialogue d;
  walk(d, {"1", "tangkab", complaint});
  CHECK(d.at == stage::confirm);
  step s = e.start(d, dialler(), at(100));
  CHECK(s.screen.starts_with("LAPOR! 1708"));
  CHECK(d.at == stage::menu);
  CHECK(d.input.empty());
  CHECK(d.institution == -1);
  // "1" now means Buat laporan, not Kirim.
  CHECK(e.answer(d, "1", at(101)).screen == "Kata kunci daerah (mis. TANGKAB), 0 = nasional:");
}

TEST_CASE("the filing's outcome: duplicate and failure have their own last screens") {
  const engine& e = real_engine();
  dialogue d;
  walk(d, {"1", "tangkab", complaint, "1"});
  step s = e.filed(d, filing_result{filing_outcome::duplicate, "48219375"}, at(10));
  CHECK(s.screen == "Laporan yang sama sudah diterima dengan tiket 48219375.");
  dialogue f;
  walk(f, {"1", "tangkab", complaint, "1"});
  s = e.filed(f, filing_result{filing_outcome::failed, ""}, at(10));
  CHECK(s.kind == step_kind::finish);
  CHECK(s.reason == "filing_failed");
  CHECK(s.screen.find("1708") != std::string::npos);
}

TEST_CASE("complaint_decision applies the duplicate and hourly rules like service::decide") {
  const engine& e = real_engine();
  dialogue d;
  const decision filing = walk(d, {"1", "tangkab", complaint, "1"}).decision;

  decision plain = e.complaint_decision(filing, {});
  CHECK(plain.create_complaint);
  CHECK(plain.forward);
  CHECK(plain.reply.empty());  // the ack waits for the ref
  CHECK(real_service().render_reply(plain, "48219375").find("tiket 48219375 utk Kab. Tangerang") !=
        std::string::npos);

  // The same facts through the SMS path give the same outcome.
  inbound sms;
  sms.from = "+6281234567890";
  sms.from_ton = 1;
  sms.to = "1708";
  sms.text = "TANGKAB " + std::string(complaint);

  complaint_facts dup;
  dup.duplicate_ref = "48219375";
  decision d1 = e.complaint_decision(filing, dup);
  decision s1 = real_service().decide(sms, store_facts{dup, std::nullopt});
  CHECK_FALSE(d1.create_complaint);
  CHECK(d1.ref == "48219375");
  CHECK(d1.reply == s1.reply);
  CHECK(d1.reason == s1.reason);

  complaint_facts over;
  over.complaints_last_hour = 10;
  decision d2 = e.complaint_decision(filing, over);
  decision s2 = real_service().decide(sms, store_facts{over, std::nullopt});
  CHECK(d2.create_complaint);
  CHECK_FALSE(d2.forward);
  CHECK(d2.reply_template == reply::rate_limited);
  CHECK(d2.reply == s2.reply);
  CHECK(d2.reason == s2.reason);

  over.told_rate_limit_within_hour = true;
  decision d3 = e.complaint_decision(filing, over);
  CHECK(d3.create_complaint);
  CHECK_FALSE(d3.forward);
  CHECK(d3.reply.empty());
  CHECK(d3.reply_template.empty());
}

TEST_CASE("2 Cek status: own ref gets the CEK answer, another's ref and a bad digit not found") {
  const engine& e = real_engine();
  const std::string ref = valid_ref(7);
  dialogue d;
  step s = walk(d, {"2"});
  CHECK(s.screen == "Nomor tiket:");
  s = e.answer(d, ref.substr(0, 4) + "-" + ref.substr(4), at(10));  // typed with a dash
  REQUIRE(s.kind == step_kind::look_up);
  CHECK(s.decision.kind == decision_kind::status);
  CHECK(s.decision.ref == ref);
  CHECK(s.decision.ref_valid);
  CHECK(s.decision.reporter == "+6281234567890");

  // Own complaint: the daemon found it for this reporter.
  store_facts found;
  found.status = status_facts{complaint_state::diteruskan, "36.03", 1'790'000'000};
  step own = e.looked_up(d, found, at(11));
  CHECK(own.kind == step_kind::finish);
  inbound sms;
  sms.from = "081234567890";
  sms.to = "1708";
  sms.text = "CEK " + ref;
  CHECK(own.screen == real_service().decide(sms, found).reply);
  CHECK(own.screen.find("DITERUSKAN") != std::string::npos);
  CHECK(own.screen.find("Kab. Tangerang") != std::string::npos);

  // Someone else's (or no such) complaint: the daemon gives no status facts.
  dialogue other;
  walk(other, {"2", ref});
  step o = e.looked_up(other, {}, at(11));
  CHECK(o.kind == step_kind::finish);
  CHECK(o.screen == real_service().decide(sms, {}).reply);
  CHECK(o.screen.find("tidak ditemukan") != std::string::npos);

  // A wrong check digit: the same answer at once, without asking the store.
  std::string bad = ref;
  bad.back() = bad.back() == '9' ? '0' : static_cast<char>(bad.back() + 1);
  dialogue b;
  step bs = walk(b, {"2", bad});
  CHECK(bs.kind == step_kind::finish);
  CHECK(bs.reason == "bad_ref");
  CHECK_FALSE(bs.decision.ref_valid);
  sms.text = "CEK " + bad;
  CHECK(bs.screen == real_service().decide(sms, {}).reply);
}

TEST_CASE("a ref that is not digits is asked for again") {
  const engine& e = real_engine();
  dialogue d;
  step s = walk(d, {"2", "tiket saya"});
  CHECK(s.screen == "Nomor tiket berupa angka.\nNomor tiket:");
  CHECK(e.answer(d, "?", at(10)).kind == step_kind::show);
  CHECK(e.answer(d, "abc", at(11)).kind == step_kind::finish);
}

TEST_CASE("3 Bantuan: help, and the dialogue ends") {
  dialogue d;
  step s = walk(d, {"3"});
  CHECK(s.kind == step_kind::finish);
  CHECK(s.decision.kind == decision_kind::help);
  CHECK(s.screen.find("LAPOR <kata kunci daerah>") != std::string::npos);
  CHECK(s.screen.find("*1708#") != std::string::npos);
  CHECK(s.screen.find("kirim ke 1708") != std::string::npos);
  CHECK(d.at == stage::ended);
}

TEST_CASE("a very long complaint text is kept up to the cap, cut on a character boundary") {
  const engine& e = real_engine();
  dialogue d;
  walk(d, {"1", "tangkab"});
  std::string longtext = "Jalan rusak parah ";
  while (longtext.size() < 1000)
    longtext += "é";
  CHECK(e.answer(d, longtext, at(10)).kind == step_kind::show);
  CHECK(d.input.size() <= e.options().max_text_bytes);
  CHECK(d.input.size() >= e.options().max_text_bytes - 1);
  CHECK(text::is_valid_utf8(d.input));
}

TEST_CASE("every screen the engine shows fits 182 GSM septets") {
  const engine& e = real_engine();
  CHECK(e.texts().worst_cost(screen_encoding::gsm7) <= 182);
}

}  // namespace
}  // namespace lapord::lapor::ussd
