// Reconnect back-off: full jitter within a doubling ceiling, bounded by the configured min and
// max; a rejected login waits the maximum; a bind that came up starts over.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>

#include "net/carrier/reconnect_backoff.hpp"

using lapord::net::reconnect_backoff;
using std::chrono::milliseconds;

TEST_CASE("the ceiling doubles from min to max and stays there") {
  reconnect_backoff b(milliseconds(100), milliseconds(1000));
  std::mt19937_64 random(42);
  std::vector<long> ceilings;
  for (int i = 0; i < 8; ++i) {
    ceilings.push_back(b.ceiling().count());
    (void)b.next(random);
  }
  CHECK(ceilings == std::vector<long>{100, 200, 400, 800, 1000, 1000, 1000, 1000});
}

TEST_CASE("every wait lies between 0 and the ceiling it was drawn under, and spreads out") {
  reconnect_backoff b(milliseconds(50), milliseconds(3200));
  std::mt19937_64 random(7);
  long smallest = 1'000'000;
  long largest = 0;
  for (int round = 0; round < 2000; ++round) {
    if (round % 10 == 0) b.reset();
    const auto ceiling = b.ceiling();
    const auto wait = b.next(random);
    CHECK(wait.count() >= 0);
    CHECK(wait <= ceiling);
    CHECK(wait <= milliseconds(3200));
    if (ceiling == milliseconds(3200)) {
      smallest = std::min(smallest, static_cast<long>(wait.count()));
      largest = std::max(largest, static_cast<long>(wait.count()));
    }
  }
  // Full jitter: draws at the top ceiling cover most of [0, 3200].
  CHECK(smallest < 400);
  CHECK(largest > 2800);
}

TEST_CASE("two instances with different seeds do not reconnect in lockstep") {
  reconnect_backoff a(milliseconds(1000), milliseconds(60000));
  reconnect_backoff b(milliseconds(1000), milliseconds(60000));
  std::mt19937_64 ra(1);
  std::mt19937_64 rb(2);
  int same = 0;
  for (int i = 0; i < 20; ++i)
    same += a.next(ra) == b.next(rb) ? 1 : 0;
  CHECK(same < 3);
}

TEST_CASE("a rejected login waits the maximum, and a bind that came up starts over") {
  reconnect_backoff b(milliseconds(100), milliseconds(5000));
  CHECK(b.after_rejected_credentials() == milliseconds(5000));
  CHECK(b.ceiling() == milliseconds(5000));
  b.reset();
  CHECK(b.ceiling() == milliseconds(100));
}

TEST_CASE("bounds given the wrong way round are made sane") {
  reconnect_backoff b(milliseconds(500), milliseconds(100));
  std::mt19937_64 random(3);
  CHECK(b.ceiling() == milliseconds(500));
  CHECK(b.next(random) <= milliseconds(500));
  CHECK(b.ceiling() == milliseconds(500));
}
