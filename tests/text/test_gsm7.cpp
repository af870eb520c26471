#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lapord/text/gsm7.hpp"

using namespace lapord::text;

TEST_CASE("gsm septet count: plain, extension characters count two, others do not fit") {
  CHECK(gsm_septet_count("") == 0u);
  CHECK(gsm_septet_count("LAPOR") == 5u);
  CHECK(gsm_septet_count("\xE2\x82\xAC") == 2u);  // euro sign: ESC 0x65
  CHECK(gsm_septet_count("{}[]~\\|^") == 16u);
  CHECK(gsm_septet_count("\x0C") == 2u);                  // form feed: ESC 0x0A
  CHECK(gsm_septet_count("\xC3\xA9t\xC3\xA9") == 3u);     // "été": é is in the default table
  CHECK_FALSE(gsm_septet_count("\xC3\xA7").has_value());  // ç (only Ç is in the table)
  CHECK_FALSE(gsm_septet_count("\xF0\x9F\x98\x80").has_value());  // emoji
  CHECK_FALSE(gsm_septet_count("`").has_value());                 // backtick is not GSM
  CHECK_FALSE(gsm_septet_count("\xFF").has_value());              // invalid UTF-8
  CHECK_FALSE(gsm_septet_count("\x1B").has_value());              // ESC itself is no character
}

TEST_CASE("fits_one_gsm_segment at 160/161 septets") {
  CHECK(fits_one_gsm_segment(std::string(160, 'a')));
  CHECK_FALSE(fits_one_gsm_segment(std::string(161, 'a')));
  CHECK(fits_one_gsm_segment(std::string(158, 'a') + "["));
  CHECK_FALSE(fits_one_gsm_segment(std::string(159, 'a') + "]"));
  CHECK_FALSE(fits_one_gsm_segment("Terima kasih \xF0\x9F\x99\x8F"));
}

TEST_CASE("gsm_code_of is the exact reverse of the default and extension tables") {
  // Every character the two tables name maps back to its septet (the escape septet names none).
  std::vector<bool> named(0x3000, false);
  for (unsigned septet = 0; septet < 0x80; ++septet) {
    if (septet == gsm_escape) continue;
    const char32_t cp = gsm_default_char(static_cast<std::uint8_t>(septet));
    const auto code = gsm_code_of(cp);
    REQUIRE(code.has_value());
    CHECK(code->septet == septet);
    CHECK_FALSE(code->extended);
    named[cp] = true;
  }
  unsigned extended = 0;
  for (unsigned septet = 0; septet < 0x80; ++septet) {
    const auto cp = gsm_extension_char(static_cast<std::uint8_t>(septet));
    if (!cp) continue;
    ++extended;
    const auto code = gsm_code_of(*cp);
    REQUIRE(code.has_value());
    CHECK(code->septet == septet);
    CHECK(code->extended);
    named[*cp] = true;
  }
  CHECK(extended == 10u);
  // Nothing else below U+3000 has a code (NBSP is what the escape septet displays as: no code).
  for (char32_t cp = 0; cp < named.size(); ++cp) {
    if (!named[cp]) CHECK_FALSE(gsm_code_of(cp).has_value());
  }
  CHECK_FALSE(gsm_code_of(U'\u00A0').has_value());
  CHECK_FALSE(gsm_code_of(U'\U0001F600').has_value());
}
