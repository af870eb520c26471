#include "lapord/net/http/retry_timing.hpp"

#include <doctest/doctest.h>

using namespace lapord::net::http;
using namespace std::chrono;

TEST_CASE("full jitter: the ceiling doubles per attempt up to the cap") {
  const backoff_bounds b{milliseconds{1000}, milliseconds{30000}};
  // Just under 1.0 shows the ceiling of each attempt; 0 is always allowed.
  CHECK(full_jitter_delay(1, b, 0.999999) == milliseconds{999});
  CHECK(full_jitter_delay(2, b, 0.999999) == milliseconds{1999});
  CHECK(full_jitter_delay(3, b, 0.999999) == milliseconds{3999});
  CHECK(full_jitter_delay(5, b, 0.999999) == milliseconds{15999});
  CHECK(full_jitter_delay(6, b, 0.999999) == milliseconds{29999});
  CHECK(full_jitter_delay(60, b, 0.999999) == milliseconds{29999});
  CHECK(full_jitter_delay(4000000000U, b, 0.999999) == milliseconds{29999});
  CHECK(full_jitter_delay(3, b, 0.0) == milliseconds{0});
  CHECK(full_jitter_delay(3, b, 0.5) == milliseconds{2000});
}

TEST_CASE("full jitter: out-of-range randoms and bounds are clamped") {
  const backoff_bounds b{milliseconds{1000}, milliseconds{500}};  // initial above the cap
  CHECK(full_jitter_delay(1, b, 2.0) == milliseconds{500});
  CHECK(full_jitter_delay(1, b, -1.0) == milliseconds{0});
  const backoff_bounds zero{milliseconds{0}, milliseconds{0}};
  CHECK(full_jitter_delay(9, zero, 0.7) == milliseconds{0});
}

TEST_CASE("retry-after: delta seconds and HTTP-date") {
  const auto now = sys_days{year{2026} / 11 / 28} + hours{3};
  CHECK(parse_retry_after("120", now) == seconds{120});
  CHECK(parse_retry_after(" 0 ", now) == seconds{0});
  CHECK(parse_retry_after("Sat, 28 Nov 2026 03:00:30 GMT", now) == seconds{30});
  CHECK(parse_retry_after("Sat, 28 Nov 2026 02:00:00 GMT", now) == seconds{0});  // past
  CHECK(parse_retry_after("99999999999999999999", now) == seconds{99999999});
  CHECK_FALSE(parse_retry_after("", now).has_value());
  CHECK_FALSE(parse_retry_after("-5", now).has_value());
  CHECK_FALSE(parse_retry_after("1.5", now).has_value());
  CHECK_FALSE(parse_retry_after("soon", now).has_value());
}

TEST_CASE("retry delay: Retry-After is a floor, itself capped") {
  CHECK(retry_delay(milliseconds{700}, std::nullopt, minutes{60}) == milliseconds{700});
  CHECK(retry_delay(milliseconds{700}, seconds{5}, minutes{60}) == milliseconds{5000});
  CHECK(retry_delay(milliseconds{9000}, seconds{5}, minutes{60}) == milliseconds{9000});
  CHECK(retry_delay(milliseconds{700}, seconds{86400}, minutes{60}) == milliseconds{3600000});
}
