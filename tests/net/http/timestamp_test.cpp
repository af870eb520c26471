#include "lapord/net/http/timestamp.hpp"

#include <doctest/doctest.h>

using namespace lapord::net::http;
using namespace std::chrono;

namespace {
utc_instant at(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} +
         milliseconds{ms};
}
}  // namespace

TEST_CASE("rfc3339: UTC, offsets and fractions") {
  CHECK(parse_rfc3339("2026-11-28T01:02:03Z") == at(2026, 11, 28, 1, 2, 3));
  CHECK(parse_rfc3339("2026-11-28t01:02:03z") == at(2026, 11, 28, 1, 2, 3));
  CHECK(parse_rfc3339("2026-11-30T08:00:00+07:00") == at(2026, 11, 30, 1, 0, 0));
  CHECK(parse_rfc3339("2026-11-30T23:30:00-02:00") == at(2026, 12, 1, 1, 30, 0));
  CHECK(parse_rfc3339("2026-11-28T01:02:03.5Z") == at(2026, 11, 28, 1, 2, 3, 500));
  CHECK(parse_rfc3339("2026-11-28T01:02:03.123456Z") == at(2026, 11, 28, 1, 2, 3, 123));
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z") == at(2024, 2, 29, 0, 0, 0));
}

TEST_CASE("rfc3339: malformed times are refused") {
  for (const char* bad :
       {"", "2026-11-28", "2026-11-28T01:02:03", "2026-11-28 01:02:03Z", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-28T24:00:00Z",
        "2026-11-28T01:60:00Z", "2026-11-28T01:02:60Z", "2026-11-28T01:02:03.Z",
        "2026-11-28T01:02:03+0700", "2026-11-28T01:02:03Z ", "26-11-28T01:02:03Z",
        "2026-11-28T01:02:03+24:00", "２026-11-28T01:02:03Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("rfc3339: formatting round-trips") {
  CHECK(format_rfc3339(at(2026, 11, 28, 1, 2, 3)) == "2026-11-28T01:02:03Z");
  CHECK(format_rfc3339(at(2026, 1, 5, 23, 59, 59, 7)) == "2026-01-05T23:59:59.007Z");
  CHECK(format_rfc3339(*parse_rfc3339("2026-11-30T08:00:00+07:00")) == "2026-11-30T01:00:00Z");
  // Every digit's place, before the epoch, and years of fewer digits (zero-padded).
  CHECK(format_rfc3339(at(1969, 12, 31, 23, 59, 58, 999)) == "1969-12-31T23:59:58.999Z");
  CHECK(format_rfc3339(at(987, 6, 5, 4, 3, 2, 10)) == "0987-06-05T04:03:02.010Z");
  CHECK(format_rfc3339(at(9999, 10, 19, 18, 17, 16, 150)) == "9999-10-19T18:17:16.150Z");
  CHECK(format_rfc3339(at(2000, 1, 1, 0, 0, 0, 1)) == "2000-01-01T00:00:00.001Z");
}

TEST_CASE("http-date: the three forms of RFC 9110") {
  const auto expected = sys_days{year{1994} / 11 / 6} + hours{8} + minutes{49} + seconds{37};
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == expected);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == expected);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == expected);
  CHECK(parse_http_date("Sat, 28 Nov 2026 03:00:00 GMT") ==
        sys_days{year{2026} / 11 / 28} + hours{3});
  for (const char* bad : {"", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT",
                          "yesterday", "Sun Nov 6 08:49:37 1994"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_http_date(bad).has_value());
  }
}
