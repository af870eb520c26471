#include <doctest/doctest.h>

#include "lapord/lapor/msisdn.hpp"

using namespace lapord::lapor;

TEST_CASE("msisdn: the three ways Indonesian carriers write one number give one E.164") {
  CHECK(to_e164("081234567890", 2) == "+6281234567890");
  CHECK(to_e164("6281234567890", 1) == "+6281234567890");
  CHECK(to_e164("+6281234567890", 1) == "+6281234567890");
  CHECK(to_e164("+6281234567890", 0) == "+6281234567890");
  CHECK(to_e164("081234567890", 0) == "+6281234567890");
  CHECK(to_e164("6281234567890", 0) == "+6281234567890");
  CHECK(to_e164("81234567890", 0) == "+6281234567890");
  CHECK(to_e164("81234567890", 2) == "+6281234567890");
  CHECK(to_e164("006281234567890", 1) == "+6281234567890");
  CHECK(to_e164("0812-3456-7890", 2) == "+6281234567890");
  CHECK(to_e164("+62 812 3456 7890", 0) == "+6281234567890");
}

TEST_CASE("msisdn: carriers' mislabelled TON is honoured where unambiguous") {
  CHECK(to_e164("081234567890", 1) == "+6281234567890");   // national digits, TON international
  CHECK(to_e164("6281234567890", 2) == "+6281234567890");  // international digits, TON national
  CHECK(to_e164("+6581234567", 2) == "+6581234567");       // a '+' always means international
}

TEST_CASE("msisdn: alphanumeric senders and short codes are not phones") {
  auto a = classify_address("TELKOMSEL", 5, 0);
  CHECK(a.kind == address_kind::alphanumeric);
  CHECK(a.value == "TELKOMSEL");
  CHECK(classify_address("12345", 5, 0).kind == address_kind::alphanumeric);
  CHECK(classify_address("INFO-BANK", 0, 0).kind == address_kind::alphanumeric);
  CHECK_FALSE(to_e164("TELKOMSEL", 5));
  auto s = classify_address("1708", 0, 1);
  CHECK(s.kind == address_kind::short_code);
  CHECK(s.value == "1708");
  CHECK(classify_address("1708", 1, 1).kind == address_kind::short_code);
  CHECK_FALSE(to_e164("1708", 2));
}

TEST_CASE("msisdn: garbage is invalid, not a phone") {
  CHECK(classify_address("", 1).kind == address_kind::invalid);
  CHECK(classify_address("+", 1).kind == address_kind::invalid);
  CHECK(classify_address("0812x4567890", 1).kind == address_kind::invalid);
  CHECK(classify_address("1234567890123456", 1).kind == address_kind::invalid);  // > 15 digits
  CHECK(classify_address("62+81234567890", 1).kind == address_kind::invalid);
  CHECK(classify_address("0", 2).kind == address_kind::short_code);
  CHECK(classify_address("0000000000", 2).kind == address_kind::invalid);
}

TEST_CASE("msisdn: masking keeps country code + 3 and the last 4") {
  CHECK(mask_msisdn("+6281234567890") == "+62812****7890");
  CHECK(mask_msisdn("+628123456789012") == "+62812****9012");
  CHECK(mask_msisdn("081234567890") == "0812****7890");
  CHECK(mask_msisdn("6281234567890") == "62812****7890");
  CHECK(mask_msisdn("+12025550123") == "+1202****0123");
  CHECK(mask_msisdn("+6281234") == "+62****34");  // too short to keep 5+4: first 2, last 2
  CHECK(mask_msisdn("1708") == "1708");           // a public short code
  CHECK(mask_msisdn("TELKOMSEL") == "TELKOMSEL");
  CHECK(mask_msisdn("EVIL\nLINE") == "EVIL?LINE");
  CHECK(mask_msisdn("") == "");
}
