// "PDU rejected" and the other fast-repeating warnings: the first occurrence is logged, then
// one line per interval carrying the count of those not logged; the time is scripted.
#include <doctest/doctest.h>

#include <cstdint>

#include "lapord/net/repeat_limiter.hpp"

using lapord::net::repeat_limiter;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

namespace {
const repeat_limiter::time_point t0{std::chrono::hours(1)};
}

TEST_CASE("repeat limiter: the first is logged, then a count every interval") {
  repeat_limiter limit(5s);
  auto v = limit.occur("malformed", t0);
  CHECK(v.log);
  CHECK(v.suppressed == 0);
  // 50,000 in the next 4.999 s: not one more line.
  for (int i = 1; i <= 50'000; ++i) {
    CHECK_FALSE(limit.occur("malformed", t0 + std::chrono::microseconds(i * 99)).log);
  }
  // At 5 s the next one is logged with the count of those not logged.
  v = limit.occur("malformed", t0 + 5s);
  CHECK(v.log);
  CHECK(v.suppressed == 50'000);
  // And the interval starts again from that line.
  CHECK_FALSE(limit.occur("malformed", t0 + 9s).log);
  v = limit.occur("malformed", t0 + 10s);
  CHECK(v.log);
  CHECK(v.suppressed == 1);
}

TEST_CASE("repeat limiter: 50,000 bad PDUs over 60 s give 12 lines, every one counted") {
  repeat_limiter limit(5s);
  std::uint64_t lines = 0, counted = 0;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = limit.occur("malformed", t0 + std::chrono::microseconds(i * 1200));
    if (!v.log) continue;
    ++lines;
    counted += 1 + v.suppressed;
  }
  counted += limit.flush("malformed");  // the last line, when the connection ends
  CHECK(lines == 12);                   // at 0, 5, ..., 55 s
  CHECK(counted == 50'000);
}

TEST_CASE("repeat limiter: keys are apart, flush hands back the rest and forgets the key") {
  repeat_limiter limit(5s);
  CHECK(limit.occur("malformed", t0).log);
  CHECK(limit.occur("not for an ESME", t0 + 1s).log);  // another kind: its own first line
  CHECK_FALSE(limit.occur("malformed", t0 + 2s).log);
  CHECK_FALSE(limit.occur("malformed", t0 + 3s).log);
  CHECK(limit.flush("malformed") == 2);
  CHECK(limit.flush("malformed") == 0);
  CHECK(limit.flush("never seen") == 0);
  // After a flush (a new connection) the next one is a first again, at once.
  const auto v = limit.occur("malformed", t0 + 3500ms);
  CHECK(v.log);
  CHECK(v.suppressed == 0);
}

TEST_CASE("repeat limiter: the keys it remembers are bounded") {
  repeat_limiter limit(5s, 2);
  CHECK(limit.occur("a", t0).log);
  CHECK(limit.occur("b", t0 + 1s).log);
  CHECK(limit.occur("c", t0 + 2s).log);  // forgets "a", the oldest line
  CHECK(limit.occur("a", t0 + 3s).log);  // logged early: at worst one line more
  CHECK_FALSE(limit.occur("c", t0 + 3s).log);
}

TEST_CASE(
    "repeat_limiter: a carrier's receipts - one line per minute per carrier, counts between") {
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  repeat_limiter r(milliseconds(60'000));
  auto v = r.occur("tsel", t0);
  CHECK(v.log);
  CHECK(v.suppressed == 0);
  for (int i = 1; i <= 500; ++i) {
    CHECK_FALSE(r.occur("tsel", t0 + milliseconds(i * 100)).log);
  }
  // Another carrier is its own key.
  CHECK(r.occur("xl", t0 + milliseconds(1000)).log);
  v = r.occur("tsel", t0 + milliseconds(60'000));
  CHECK(v.log);
  CHECK(v.suppressed == 500);
  v = r.occur("tsel", t0 + milliseconds(60'001));
  CHECK_FALSE(v.log);
  v = r.occur("tsel", t0 + milliseconds(200'000));
  CHECK(v.log);
  CHECK(v.suppressed == 1);
}

TEST_CASE("repeat_limiter: the carriers it remembers are bounded") {
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  repeat_limiter r(milliseconds(60'000), 2);
  CHECK(r.occur("a", t0).log);
  CHECK(r.occur("b", t0 + milliseconds(1)).log);
  CHECK(r.occur("c", t0 + milliseconds(2)).log);  // forgets "a", the oldest line
  CHECK_FALSE(r.occur("b", t0 + milliseconds(3)).log);
  CHECK_FALSE(r.occur("c", t0 + milliseconds(4)).log);
  CHECK(r.occur("a", t0 + milliseconds(5)).log);  // forgotten: logged again, at worst early
}
