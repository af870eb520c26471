#include "lapord/net/http/circuit_breaker.hpp"

#include <doctest/doctest.h>

using namespace lapord::net::http;
using namespace std::chrono;

namespace {
const circuit_breaker::time_point t0{};
}

TEST_CASE("breaker: a run of failures opens it, successes in between do not") {
  circuit_breaker b({3, seconds{10}});
  CHECK(b.allow(t0));
  b.on_failure(t0);
  b.on_failure(t0);
  b.on_success();  // the run is broken
  b.on_failure(t0);
  b.on_failure(t0);
  CHECK(b.state(t0) == circuit_state::closed);
  CHECK(b.allow(t0));
  b.on_failure(t0 + seconds{1});
  CHECK(b.state(t0 + seconds{1}) == circuit_state::open);
  CHECK(b.times_opened() == 1);
  CHECK(b.reopens_at() == t0 + seconds{11});
  CHECK_FALSE(b.allow(t0 + seconds{5}));
  CHECK_FALSE(b.allow(t0 + seconds{10}));
}

TEST_CASE("breaker: half-open lets exactly one probe through") {
  circuit_breaker b({1, seconds{10}});
  b.on_failure(t0);
  const auto later = t0 + seconds{10};
  CHECK(b.state(later) == circuit_state::half_open);
  CHECK(b.allow(later));        // the probe
  CHECK_FALSE(b.allow(later));  // everyone else waits for its outcome
  CHECK_FALSE(b.allow(later + seconds{100}));
  SUBCASE("the probe succeeds: closed") {
    b.on_success();
    CHECK(b.state(later) == circuit_state::closed);
    CHECK(b.allow(later));
    CHECK(b.allow(later));
  }
  SUBCASE("the probe fails: open again for open_for") {
    b.on_failure(later + seconds{1});
    CHECK(b.state(later + seconds{1}) == circuit_state::open);
    CHECK(b.times_opened() == 2);
    CHECK_FALSE(b.allow(later + seconds{10}));
    CHECK(b.allow(later + seconds{11}));
  }
}

TEST_CASE("breaker: late failures while open do not push the probe back") {
  circuit_breaker b({2, seconds{10}});
  b.on_failure(t0);
  b.on_failure(t0);
  b.on_failure(t0 + seconds{9});  // from a request sent before it opened
  CHECK(b.reopens_at() == t0 + seconds{10});
  CHECK(b.times_opened() == 1);
  CHECK(to_string(b.state(t0)) == "open");
}
