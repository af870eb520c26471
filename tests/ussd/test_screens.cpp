// The screens file (load-time checks) and fitting a screen to a carrier's limit.
#include <doctest/doctest.h>

#include "lapord/text/gsm7.hpp"
#include "lapord/text/utf8.hpp"
#include "ussd/fixture.hpp"

namespace lapord::lapor::ussd {
namespace {

// The shipped file with one line replaced (or added when `id` is not in it).
std::string with_line(std::string_view id, std::string_view line) {
  std::string text = testing::shipped_screens_text();
  std::string prefix = std::string(id) + " = ";
  std::size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return text + std::string(line) + "\n";
  std::size_t end = text.find('\n', at + 1);
  return text.substr(0, at + 1) + std::string(line) + text.substr(end);
}

std::string error_of(const std::string& text, std::size_t max_cost = 182) {
  try {
    (void)screens::load(text, "ussd-id.txt", limits_for(testing::real_service(), max_cost));
  } catch (const data_error& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("the shipped screens load and every one fits 182 septets with the longest values") {
  screens s = testing::shipped_screens();
  CHECK(s.worst_cost(screen_encoding::gsm7) <= 182);
  CHECK(s.render(screen::confirm, {{"institution", "Kab. Tangerang"}}) ==
        "Kirim ke Kab. Tangerang?\n1 Kirim\n2 Batal");
  CHECK_NOTHROW(s.check_fits(screen_encoding::gsm7, 182, "default"));
}

TEST_CASE("a bad screens file is refused at load, naming the line") {
  CHECK(error_of(with_line("menu", "menu = " + std::string(190, 'x')))
            .starts_with("ussd-id.txt:9: USSD screen menu takes 190 characters"));
  CHECK(error_of(with_line("bogus", "bogus = hello")).find("unknown USSD screen 'bogus'") !=
        std::string::npos);
  CHECK(error_of(with_line("busy", "# no busy screen")) ==
        "ussd-id.txt:0: USSD screen busy is missing");
  CHECK(error_of(with_line("ask_ref", "ask_ref = Nomor tiket {ref}:"))
            .find("unknown placeholder {ref}") != std::string::npos);
  CHECK(error_of(with_line("ask_ref", "ask_ref = Nomor tiket {ref:")).find("unclosed") !=
        std::string::npos);
  CHECK(error_of(with_line("ask_ref", "ask_ref = Nomor tiket ☎:")).find("GSM 03.38") !=
        std::string::npos);
  CHECK(error_of(with_line("ask_ref", "ask_ref =")).find("is empty") != std::string::npos);
  CHECK(error_of(testing::shipped_screens_text() + "menu = again\n").find("given twice") !=
        std::string::npos);
  CHECK(error_of(testing::shipped_screens_text() + "menu without equals\n")
            .find("expected `id = text`") != std::string::npos);
  // {institution} filled with the longest short name of the directory pushes it over.
  CHECK(error_of(with_line("confirm", "confirm = " + std::string(150, 'x') +
                                          " {institution}?\\n1 Kirim\\n2 Batal"))
            .find("USSD screen confirm takes") != std::string::npos);
  // A hint that fits alone but not above the screen it repeats.
  CHECK(error_of(with_line("wrong_choice", "wrong_choice = " + std::string(130, 'x')))
            .find("wrong_choice above menu") != std::string::npos);
  // A carrier with a smaller limit.
  CHECK(error_of(testing::shipped_screens_text(), 100).find("allows 100") != std::string::npos);
}

TEST_CASE("check_fits counts in the profile's encoding") {
  screens s = testing::shipped_screens();
  const std::size_t gsm = s.worst_cost(screen_encoding::gsm7);
  CHECK(s.worst_cost(screen_encoding::ucs2) == gsm);  // the shipped texts have no extension chars
  CHECK_THROWS_AS(s.check_fits(screen_encoding::ucs2, gsm - 1, "p"), data_error);
  CHECK_NOTHROW(s.check_fits(screen_encoding::ucs2, gsm, "p"));
}

TEST_CASE("screen_cost per encoding") {
  CHECK(screen_cost("abc", screen_encoding::gsm7) == 3);
  CHECK(screen_cost("a{b}", screen_encoding::gsm7) == 6);  // extension characters count 2
  CHECK(screen_cost("a€", screen_encoding::gsm7) == 3);
  CHECK(screen_cost("é", screen_encoding::gsm7) == 1);
  CHECK(screen_cost("☎", screen_encoding::gsm7) == 1);   // goes out as '?'
  CHECK(screen_cost("😀a", screen_encoding::ucs2) == 3);  // a surrogate pair
  CHECK(screen_cost("é☎", screen_encoding::latin1) == 2);
}

TEST_CASE("fit_screen cuts on a character boundary and marks the cut") {
  CHECK(fit_screen("short", screen_encoding::gsm7, 182) == "short");
  std::string long_text(300, 'a');
  std::string cut = fit_screen(long_text, screen_encoding::gsm7, 182);
  CHECK(cut.size() == 182);
  CHECK(cut.ends_with(".."));
  // Never half a GSM escape pair: '{' costs 2 and does not fit in the last single septet.
  std::string braces = std::string(177, 'a') + "{{{{{";
  std::string b = fit_screen(braces, screen_encoding::gsm7, 182);
  CHECK(screen_cost(b, screen_encoding::gsm7) <= 182);
  CHECK(b == std::string(177, 'a') + "{..");  // 177 + 2 + 2 = 181: the next '{' would be 183
  // Never half a UTF-8 sequence or a surrogate pair.
  std::string accents;
  for (int i = 0; i < 200; ++i)
    accents += "é";
  std::string a = fit_screen(accents, screen_encoding::gsm7, 182);
  CHECK(text::is_valid_utf8(a));
  CHECK(screen_cost(a, screen_encoding::gsm7) == 182);
  std::string emoji;
  for (int i = 0; i < 100; ++i)
    emoji += "😀";
  std::string e = fit_screen(emoji, screen_encoding::ucs2, 81);
  CHECK(text::is_valid_utf8(e));
  CHECK(screen_cost(e, screen_encoding::ucs2) <= 81);
  CHECK(e.ends_with(".."));
  // Every limit from 0 up: never over, always valid UTF-8.
  for (std::size_t max = 0; max < 40; ++max) {
    std::string f = fit_screen("Tiket {1234}: é😀 DITERUSKAN", screen_encoding::gsm7, max);
    CHECK(screen_cost(f, screen_encoding::gsm7) <= max);
    CHECK(text::is_valid_utf8(f));
  }
}

TEST_CASE("encode_screen writes each encoding's octets") {
  CHECK(encode_screen("A@", screen_encoding::gsm7) == std::string("\x41\x00", 2));
  CHECK(encode_screen("{", screen_encoding::gsm7) == std::string("\x1B\x28", 2));
  CHECK(encode_screen("☎", screen_encoding::gsm7) == "?");
  CHECK(encode_screen("AB", screen_encoding::gsm7_packed) == std::string("\x41\x21", 2));
  CHECK(encode_screen("Aé😀", screen_encoding::ucs2) ==
        std::string("\x00\x41\x00\xE9\xD8\x3D\xDE\x00", 8));
  CHECK(encode_screen("Aé☎", screen_encoding::latin1) == "A\xE9?");
  CHECK(encode_screen("Aé", screen_encoding::ia5) == "A?");
  CHECK(default_data_coding(screen_encoding::ucs2) == 0x08);
  CHECK(parse_screen_encoding("gsm7_packed") == screen_encoding::gsm7_packed);
  CHECK_FALSE(parse_screen_encoding("utf8"));
}

}  // namespace
}  // namespace lapord::lapor::ussd
