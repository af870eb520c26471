// The submit rate: over any interval at most burst + rate * T tokens, whatever the pattern of
// asking; and next_token() tells the pump exactly when to come back.
#include <doctest/doctest.h>

#include <cmath>
#include <deque>
#include <random>

#include "net/carrier/token_bucket.hpp"

using lapord::net::token_bucket;
using clock_type = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST_CASE("a full bucket gives its burst, then one token per 1/rate") {
  const auto t0 = clock_type::time_point{} + std::chrono::hours(1);
  token_bucket b(10.0, 3, t0);
  CHECK(b.try_take(t0));
  CHECK(b.try_take(t0));
  CHECK(b.try_take(t0));
  CHECK_FALSE(b.try_take(t0));
  CHECK(b.next_token(t0) == t0 + milliseconds(100));
  CHECK_FALSE(b.try_take(t0 + milliseconds(99)));
  CHECK(b.try_take(t0 + milliseconds(100)));
  CHECK_FALSE(b.try_take(t0 + milliseconds(150)));
  CHECK(b.try_take(t0 + milliseconds(200)));
}

TEST_CASE("an idle bucket saves up no more than its burst") {
  const auto t0 = clock_type::time_point{} + std::chrono::hours(1);
  token_bucket b(5.0, 2, t0);
  CHECK(b.try_take(t0));
  CHECK(b.try_take(t0));
  const auto later = t0 + std::chrono::seconds(60);
  CHECK(b.try_take(later));
  CHECK(b.try_take(later));
  CHECK_FALSE(b.try_take(later));
}

TEST_CASE("waking at next_token() always finds a token (no early wake-ups)") {
  const auto t0 = clock_type::time_point{} + std::chrono::hours(1);
  for (double rate : {1.0, 3.0, 7.0, 33.3, 1000.0, 12345.0}) {
    token_bucket b(rate, 1, t0);
    auto now = t0;
    for (int i = 0; i < 200; ++i) {
      now = b.next_token(now);
      CHECK(b.try_take(now));
    }
    // 200 tokens, the first free: 199 intervals of 1/rate (plus rounding up to 1 us each).
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    CHECK(elapsed >= 199.0 / rate - 1e-9);
    CHECK(elapsed <= 199.0 / rate + 200e-6);
  }
}

TEST_CASE("over every window, tokens taken never exceed burst + rate * window") {
  const auto t0 = clock_type::time_point{} + std::chrono::hours(1);
  const double rate = 20.0;
  const unsigned burst = 4;
  token_bucket b(rate, burst, t0);
  std::mt19937_64 random(11);
  std::uniform_int_distribution<int> step_us(0, 30'000);
  std::vector<clock_type::time_point> taken;
  auto now = t0;
  for (int i = 0; i < 20'000; ++i) {
    now += microseconds(step_us(random));
    if (b.try_take(now)) taken.push_back(now);
  }
  REQUIRE(taken.size() > 100);
  // Sliding windows starting at each take.
  std::size_t j = 0;
  for (std::size_t i = 0; i < taken.size(); ++i) {
    for (const auto window : {milliseconds(50), milliseconds(500), milliseconds(5000)}) {
      j = i;
      while (j < taken.size() && taken[j] - taken[i] < window)
        ++j;
      const double allowed = burst + rate * std::chrono::duration<double>(window).count();
      CHECK(static_cast<double>(j - i) <= allowed + 1e-9);
    }
  }
  // And the long-run rate is the configured one when asked often enough.
  const double seconds = std::chrono::duration<double>(taken.back() - taken.front()).count();
  CHECK(static_cast<double>(taken.size() - 1) / seconds == doctest::Approx(rate).epsilon(0.05));
}
