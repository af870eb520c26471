#include <doctest/doctest.h>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;
using namespace lapord::lapor::testing;

namespace {

const char* const good =
    "ack = LAPOR! Tiket {ref} utk {institution}. Ke {number}\n"
    "ack_national = LAPOR! Tiket {ref}. Ke {number}\n"
    "status = Tiket {ref}: {state} {institution} {date}\n"
    "not_found = Tiket {ref} tidak ditemukan. {number}\n"
    "help = Bantuan {number}\n"
    "help_cek = CEK <tiket> ke {number}\n"
    "stop = Berhenti. {number}\n"
    "start = Mulai. {number}\n"
    "duplicate = Sudah ada: {ref} {number}\n"
    "rate_limited = Lebih dari {limit} per jam. {number}\n"
    "notification = Tiket {ref} {state} {institution}: {message}\n"
    "national_desk = LAPOR! Nasional\n";

reply_limits limits() {
  reply_limits l;
  l.institution_names = {"Kab. Tangerang"};
  l.service_numbers = {"1708"};
  return l;
}

std::string error_of(const std::string& text, const reply_limits& l = limits()) {
  try {
    (void)reply_templates::load(text, "t.txt", l);
  } catch (const data_error& e) {
    return e.what();
  }
  return "no error";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("templates: the shipped file loads and every reply fits one segment") {
  const service& svc = real_service();
  const auto& t = svc.templates();
  std::string longest_name;
  for (auto& i : svc.dir().institutions()) {
    if (i.short_name.size() > longest_name.size()) longest_name = i.short_name;
  }
  CHECK(longest_name.size() == svc.dir().longest_short_name());
  reply_params worst = {{"ref", "99999999"},    {"institution", longest_name},
                        {"number", "1708"},     {"state", "DIVERIFIKASI"},
                        {"date", "31-12-2099"}, {"limit", "10"}};
  for (std::string_view id :
       {reply::ack, reply::ack_national, reply::status, reply::not_found, reply::help,
        reply::help_cek, reply::stop, reply::start, reply::duplicate, reply::rate_limited}) {
    INFO(id);
    auto septets = gsm_septets(t.render(id, worst));
    REQUIRE(septets.has_value());
    CHECK(*septets <= 160);
  }
  CHECK(t.render(reply::ack,
                 {{"ref", "48219375"}, {"institution", "Kab. Tangerang"}, {"number", "1708"}}) ==
        "LAPOR! Laporan diterima, tiket 48219375 utk Kab. Tangerang. Cek status: ketik CEK "
        "48219375 kirim ke 1708");
}

TEST_CASE("templates: load errors name the line and the reason") {
  CHECK(error_of(good) == "no error");
  CHECK(error_of(std::string(good) + "ussd_menu = x\n") ==
        "t.txt:13: unknown reply template 'ussd_menu'");
  CHECK(error_of(std::string(good) + "help = again {number}\n") ==
        "t.txt:13: reply template help given twice (first on line 5)");
  CHECK(error_of(replace(good, "help = Bantuan {number}\n", "")) ==
        "t.txt:0: reply template help is missing");
  CHECK(error_of(replace(good, "Bantuan {number}", "Bantuan {ref}")) ==
        "t.txt:5: reply template help has unknown placeholder {ref}");
  CHECK(error_of(replace(good, "Bantuan {number}", "Bantuan {number")) ==
        "t.txt:5: reply template help has an unclosed '{'");
  CHECK(error_of(replace(good, "Bantuan {number}", "Bantuan \xE2\x9C\x93 {number}")) ==
        "t.txt:5: reply template help has a character outside the GSM 03.38 alphabet");
  CHECK(error_of(replace(good, "help = Bantuan {number}", "help")) ==
        "t.txt:5: expected `id = text`");
  CHECK(error_of(replace(good, "help = Bantuan {number}", "help =")) ==
        "t.txt:5: reply template help is empty");
}

TEST_CASE("templates: one that cannot fit 160 septets with the longest values is refused") {
  // "Bantuan " (8) + 147 x 'a' + " " + "1708" = 160: fits exactly.
  std::string fits =
      replace(good, "Bantuan {number}", "Bantuan " + std::string(147, 'a') + " {number}");
  CHECK(error_of(fits) == "no error");
  std::string over =
      replace(good, "Bantuan {number}", "Bantuan " + std::string(148, 'a') + " {number}");
  CHECK(error_of(over).starts_with("t.txt:5: reply template help takes 161 septets"));
  // Extension characters ([ ] { } ~ ^ \ | and the euro sign) count two.
  std::string ext =
      replace(good, "Bantuan {number}", "Bantuan " + std::string(146, 'a') + "[ {number}");
  CHECK(error_of(ext).starts_with("t.txt:5: reply template help takes 161 septets"));
  // A longer service number in the configuration makes the same template too long.
  reply_limits l = limits();
  l.service_numbers = {"1708", "17080"};
  CHECK(error_of(fits, l).starts_with("t.txt:5: reply template help takes 161 septets"));
  // The longest institution short name counts, and the ref length.
  std::string ack = replace(good, "LAPOR! Tiket {ref} utk {institution}. Ke {number}",
                            std::string(140, 'a') + "{institution}");
  CHECK(error_of(ack) == "no error");  // 140 + 14
  l = limits();
  l.institution_names.push_back("Kab. Kepulauan Siau Tagulandang Biaro");
  CHECK(error_of(ack, l).starts_with("t.txt:1: reply template ack takes 177 septets"));
  // A template that quotes the institution's message is checked without it.
  std::string note = replace(good, "Tiket {ref} {state} {institution}: {message}",
                             std::string(130, 'a') + "{message}");
  CHECK(error_of(note) == "no error");
}

TEST_CASE("templates: the state words") {
  auto states = reply_templates::state_words();
  REQUIRE(states.size() == 6);
  CHECK(states[0] == "DITERIMA");
  CHECK(states[5] == "DITOLAK");
  CHECK(parse_state("diteruskan") == complaint_state::diteruskan);
  CHECK_FALSE(parse_state("HILANG").has_value());
  CHECK(state_word(complaint_state::ditanggapi) == "DITANGGAPI");
}
