#include <algorithm>
#include <string>

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

TEST_CASE("msisdn: every address is masked, whatever its form") {
  struct row {
    std::string_view in, out;
  };
  const std::string long_digits(60, '7');
  const std::string long_name = "SENDER" + std::string(60, 'X');
  const row rows[] = {
      {"6281234500022#", "62812****0022#"},    // a suffix (seen in a deliver_sm)
      {"6281234500022/1", "62812****0022/*"},  // digits after the number are hidden too
      {"+6281234500022:5", "+62812****0022:*"},
      {"tel:+6281234500022", "tel:+62812****0022"},  // a URI
      {"628/1234/500/022", "***/****/***/***"},      // split: no part is shown
      {"62:812:3450:0022", "**:***:****:****"},
      {"0812-3456-7890#x", "0812****7890#x"},    // grouping marks inside the number
      {"BUDI081234567890", "BUDI0812****7890"},  // a name with a number
      {"Promo2025", "Promo2025"},                // 4 digits: no phone number
      {"TELKOMSEL", "TELKOMSEL"},                // a name: nothing to hide
      {"1708#", "1708#"},                        // a short code with a suffix
      {"17", "17"},                              // short
      {"#", "#"},
      {"", ""},  // empty
      {"+", "+"},
      {"0812\x01"
       "3456\xff"
       "7890",
       "****?****?****"},  // control and non-ASCII bytes
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    CHECK(mask_msisdn(r.in) == r.out);
  }
  // Very long: cut, with the length; never the digits.
  const std::string masked_long = mask_msisdn(long_digits);
  CHECK(masked_long.find("777777777") == std::string::npos);
  CHECK(masked_long.ends_with("...(60)"));
  const std::string masked_name = mask_msisdn(long_name);
  CHECK(masked_name.size() <= 40);
  CHECK(masked_name.ends_with("...(66)"));
}

TEST_CASE("msisdn: append_masked_msisdn and masked_msisdn give mask_msisdn's text, appended") {
  const std::string long_digits(300, '7');
  const std::string_view inputs[] = {
      "+6281234567890",   "081234567890", "1708", "TELKOMSEL", "6281234500022#", "628/1234/500/022",
      "BUDI081234567890", "EVIL\nLINE",   "",     "+",         long_digits};
  for (std::string_view in : inputs) {
    CAPTURE(in);
    std::string line = "from=";
    lapord::lapor::append_masked_msisdn(line, in);
    CHECK(line == "from=" + mask_msisdn(in));
    CHECK(lapord::lapor::masked_msisdn(in).view() == mask_msisdn(in));
  }
  CHECK(lapord::lapor::masked_msisdn(long_digits).view() == "7777****7777...(300)");
  std::string line = "to=";
  lapord::lapor::append_masked_msisdn(line, "+6281234567890");
  CHECK(line == "to=+62812****7890");
}

TEST_CASE("msisdn: no decoration leaves the middle of a number in the mask") {
  // The subscriber part 812345000 must never appear, nor 6 digits of it in a row.
  const std::string number = "6281234500022";
  const std::string_view decorations[] = {"#", "/", ":", "*", ";", ",", "=", "x", "+", "%"};
  for (auto d : decorations) {
    const std::string forms[] = {
        number + std::string(d),
        std::string(d) + number,
        "+" + number + std::string(d) + "99",
        number.substr(0, 5) + std::string(d) + number.substr(5),
        number.substr(0, 7) + std::string(d) + number.substr(7, 3) + std::string(d) +
            number.substr(10),
    };
    for (const auto& f : forms) {
      const std::string m = mask_msisdn(f);
      CAPTURE(f);
      CAPTURE(m);
      std::size_t run = 0, longest = 0;
      for (char c : m) {
        run = (c >= '0' && c <= '9') ? run + 1 : 0;
        longest = std::max(longest, run);
      }
      CHECK(longest <= 5);
      CHECK(m.find("345000") == std::string::npos);
    }
  }
}

TEST_CASE("msisdn: a number quoted in a free text is masked - ports and counts stay") {
  CHECK(mask_numbers_in_text("Key (reporter)=(+6281234567890) already exists") ==
        "Key (reporter)=(+62812****7890) already exists");
  CHECK(mask_numbers_in_text("warning for 081234567890, port 5432, pid 123456") ==
        "warning for 0812****7890, port 5432, pid 123456");
  CHECK(mask_numbers_in_text("a+b 3+4 and\ttab") == "a+b 3+4 and?tab");
  CHECK(mask_numbers_in_text("") == "");
  const std::string m = mask_numbers_in_text("x6281234500022y");
  CHECK(m.find("345000") == std::string::npos);
}
