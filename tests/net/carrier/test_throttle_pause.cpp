// After ESME_RTHROTTLED: the first pause is the configured one, a streak doubles it up to 32x,
// and an accepted submit_sm ends the streak.
#include <doctest/doctest.h>

#include "net/carrier/throttle_pause.hpp"

using lapord::net::throttle_pause;
using std::chrono::milliseconds;

TEST_CASE("throttle pauses double within a streak, are capped, and reset on success") {
  throttle_pause p(milliseconds(250));
  CHECK(p.on_throttled() == milliseconds(250));
  CHECK(p.on_throttled() == milliseconds(500));
  CHECK(p.on_throttled() == milliseconds(1000));
  for (int i = 0; i < 10; ++i)
    (void)p.on_throttled();
  CHECK(p.on_throttled() == milliseconds(8000));
  p.on_accepted();
  CHECK(p.on_throttled() == milliseconds(250));
}
