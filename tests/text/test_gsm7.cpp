#include <doctest/doctest.h>

#include <string>

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
