#include <doctest/doctest.h>

#include <vector>

#include "lapord/lapor/policy.hpp"

using namespace lapord::lapor;
using namespace std::chrono_literals;

TEST_CASE("policy: who is never answered") {
  std::vector<std::string> ours = {"1708", "+6281100001708"};
  CHECK(classify_sender(classify_address("081234567890", 2), false, ours) ==
        sender_verdict::reporter);
  CHECK(classify_sender(classify_address("081234567890", 2), true, ours) ==
        sender_verdict::receipt);
  CHECK(classify_sender(classify_address("TELKOMSEL", 5), false, ours) ==
        sender_verdict::alphanumeric);
  CHECK(classify_sender(classify_address("1708", 0), false, ours) ==
        sender_verdict::service_number);
  CHECK(classify_sender(classify_address("081100001708", 2), false, ours) ==
        sender_verdict::service_number);
  CHECK(classify_sender(classify_address("3636", 0), false, ours) ==
        sender_verdict::service_number);  // another service's short code
  CHECK(classify_sender(classify_address("08x", 2), false, ours) == sender_verdict::invalid);
  CHECK(to_string(sender_verdict::alphanumeric) == "alphanumeric_sender");
}

TEST_CASE("policy: the same text again is a duplicate, whatever its case and spacing") {
  CHECK(duplicate_key("  Jalan  RUSAK\n\ndi depan pasar ") == "jalan rusak di depan pasar");
  CHECK(duplicate_key("Jalan rusak di depan pasar") == duplicate_key("jalan rusak di depan pasar"));
  CHECK(duplicate_key("Jalan rusak di depan pasar!") !=
        duplicate_key("Jalan rusak di depan pasar"));
  CHECK(duplicate_key("Café ÉTÉ 😡") == "café ÉtÉ 😡");            // only ASCII letters fold
  CHECK(duplicate_key("A\xFF  B\xC3\t\tC") == "a\xFF b\xC3 c");  // invalid bytes kept as sent
  CHECK(duplicate_key("\xC2\xA0 x\xC2\xA0\xC2\xA0Y ") == "x\xC2\xA0\xC2\xA0y");  // inner NBSP kept
  CHECK(duplicate_key(" \t ") == "");
  CHECK(duplicate_key(std::string_view("a\0  B\0", 6)) ==
        std::string_view("a\0 b\0", 5));  // NUL kept
  CHECK(within_duplicate_window(0s, 24h));
  CHECK(within_duplicate_window(std::chrono::seconds(24h) - 1s, 24h));
  CHECK_FALSE(within_duplicate_window(24h, 24h));
  CHECK_FALSE(within_duplicate_window(-1s, 24h));
}

TEST_CASE("policy: hourly limit, told once per hour") {
  CHECK(rate_limit(0, 10, false) == rate_verdict::forward);
  CHECK(rate_limit(9, 10, false) == rate_verdict::forward);  // the 10th is still forwarded
  CHECK(rate_limit(10, 10, false) == rate_verdict::hold_tell);
  CHECK(rate_limit(10, 10, true) == rate_verdict::hold_silent);
  CHECK(rate_limit(500, 10, true) == rate_verdict::hold_silent);
}
