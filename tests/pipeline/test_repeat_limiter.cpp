// A repeating warning per key: the first at once, then one line per interval with the count
// of those not logged in between.
#include <doctest/doctest.h>

#include "lapord/app/pipeline/repeat_limiter.hpp"

using lapord::app::repeat_limiter;
using std::chrono::milliseconds;

TEST_CASE("first logged, the rest counted, one line per interval per key") {
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

TEST_CASE("the keys it remembers are bounded") {
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  repeat_limiter r(milliseconds(60'000), 2);
  CHECK(r.occur("a", t0).log);
  CHECK(r.occur("b", t0 + milliseconds(1)).log);
  CHECK(r.occur("c", t0 + milliseconds(2)).log);  // forgets "a", the oldest line
  CHECK_FALSE(r.occur("b", t0 + milliseconds(3)).log);
  CHECK_FALSE(r.occur("c", t0 + milliseconds(4)).log);
  CHECK(r.occur("a", t0 + milliseconds(5)).log);  // forgotten: logged again, at worst early
}
