#include <doctest/doctest.h>

#include "lapord/net/http/forwarder.hpp"

using namespace lapord::net::http;
using namespace std::chrono;

namespace {

// docs/forwarding.md's rule: what an item can spend queued plus sent, one `timeout` a request.
milliseconds documented_rule(const store_api_settings& s) {
  return s.timeout * (static_cast<long>(s.batch) / s.in_flight + s.pipeline);
}

}  // namespace

TEST_CASE("forward lease: above the queued-plus-sent rule with the default settings") {
  const store_api_settings s;  // timeout 10 s, batch 256, in_flight 16, pipeline 1
  CHECK(documented_rule(s) == seconds{170});
  CHECK(forward_lease(s) > documented_rule(s));
  // 3 deadlines a request × 19 rounds of the 10 s timeout, plus 60 s.
  CHECK(forward_lease(s) == seconds{630});
}

TEST_CASE("forward lease: grows with the pipe - pipeline 8 and 64") {
  store_api_settings s;
  s.pipeline = 8;
  CHECK(forward_lease(s) > documented_rule(s));
  CHECK(forward_lease(s) == seconds{840});
  s.pipeline = 64;  // the most [store_api] pipeline allows
  CHECK(documented_rule(s) == seconds{800});
  CHECK(forward_lease(s) > documented_rule(s));
  CHECK(forward_lease(s) == seconds{2520});
}

TEST_CASE("forward lease: follows timeout, batch and in_flight, never below 120 s") {
  store_api_settings s;
  s.timeout = seconds{60};
  CHECK(forward_lease(s) == seconds{3 * 60 * 19 + 60});
  CHECK(forward_lease(s) > documented_rule(s));
  s.timeout = seconds{10};
  s.in_flight = 1;  // one connection drains the whole batch: 256 rounds
  CHECK(forward_lease(s) == seconds{3 * 10 * 259 + 60});
  s.batch = 300;  // not a multiple of in_flight: the partial round counts
  s.in_flight = 16;
  CHECK(forward_lease(s) == seconds{3 * 10 * 22 + 60});
  // A short timeout and a small batch: the floor.
  s.timeout = milliseconds{100};
  s.batch = 16;
  CHECK(forward_lease(s) == seconds{120});
  // in_flight 0 is refused by the forwarder; the lease computed before it does not divide by 0.
  s.in_flight = 0;
  CHECK(forward_lease(s) == seconds{120});
}
