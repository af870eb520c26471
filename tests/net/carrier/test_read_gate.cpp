// The bind's read gate with scripted time: reading stops over the output bound or at the MO
// cap, resumes at half the bound, and output stuck over the bound becomes a stall.
#include <doctest/doctest.h>

#include "net/carrier/read_gate.hpp"

using lapord::net::read_gate;
using namespace std::chrono_literals;

namespace {
const read_gate::time_point t0 = read_gate::time_point{} + 100s;
}

TEST_CASE("read gate: reads while the output is under the bound and the session takes MO") {
  read_gate g(1000, 10s);
  g.on_output(1000, t0);
  CHECK(g.may_read(false));
  CHECK_FALSE(g.may_read(true));  // the session holds frames at the MO cap
  CHECK_FALSE(g.stall_deadline());
  CHECK_FALSE(g.stalled(t0 + 1h));
}

TEST_CASE("read gate: over the bound stops reading until half of it is written") {
  read_gate g(1000, 10s);
  g.on_output(1001, t0);
  CHECK_FALSE(g.may_read(false));
  g.on_output(800, t0 + 1s);  // written a little: still stopped (no flapping per PDU)
  CHECK_FALSE(g.may_read(false));
  g.on_output(500, t0 + 2s);
  CHECK(g.may_read(false));
  CHECK_FALSE(g.stall_deadline());
}

TEST_CASE("read gate: output over the bound for the stall timeout is a stall") {
  read_gate g(1000, 10s);
  g.on_output(5000, t0);
  g.on_output(9000, t0 + 3s);  // still over: the stall counts from when it first went over
  REQUIRE(g.stall_deadline());
  CHECK(*g.stall_deadline() == t0 + 10s);
  CHECK_FALSE(g.stalled(t0 + 9999ms));
  CHECK(g.stalled(t0 + 10s));
  // Drained in time: no stall, and a new excess starts a new count.
  g.on_output(0, t0 + 9s);
  CHECK_FALSE(g.stalled(t0 + 20s));
  g.on_output(2000, t0 + 30s);
  CHECK(*g.stall_deadline() == t0 + 40s);
}
