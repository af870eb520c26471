// The log-flood summariser, time scripted: the first lines of a key in a window are written,
// the rest counted, and one summary stands for them when the window ends or the condition
// clears; every would-be line is either written or counted in exactly one summary.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lapord/net/log_summariser.hpp"

using lapord::net::log_summariser;
using namespace std::chrono_literals;

namespace {
const log_summariser::time_point t0{std::chrono::hours(1)};
using summaries = std::vector<log_summariser::summary>;

log_summariser three_a_minute() {
  return log_summariser({3, 60s, 256});
}

std::uint64_t held(const summaries& s) {
  std::uint64_t n = 0;
  for (const auto& x : s)
    n += x.suppressed;
  return n;
}
}  // namespace

TEST_CASE("log summariser: the first 3 of a window are written, the rest counted") {
  auto f = three_a_minute();
  summaries out;
  CHECK(f.admit("forward:refused", t0, out));
  CHECK(f.admit("forward:refused", t0 + 1s, out));
  CHECK(f.admit("forward:refused", t0 + 2s, out));
  for (int i = 0; i < 10'000; ++i)
    CHECK_FALSE(f.admit("forward:refused", t0 + 3s + i * 1ms, out));
  CHECK(out.empty());
  // Not yet at 59.999 s, then the window's summary at 60 s.
  f.tick(t0 + 59'999ms, out);
  CHECK(out.empty());
  f.tick(t0 + 60s, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == "forward:refused");
  CHECK(out[0].suppressed == 10'000);
  CHECK(out[0].span == 60s);
  CHECK(f.keys() == 0);
  // The key was forgotten: its next line is written at once, a new window.
  out.clear();
  CHECK(f.admit("forward:refused", t0 + 61s, out));
  CHECK(out.empty());
}

TEST_CASE("log summariser: a window that ended without a tick is summarised by the next line") {
  auto f = three_a_minute();
  summaries out;
  for (int i = 0; i < 5; ++i)
    f.admit("k", t0 + i * 1s, out);  // 3 written, 2 counted
  CHECK(out.empty());
  CHECK(f.admit("k", t0 + 90s, out));  // a new window: written
  REQUIRE(out.size() == 1);
  CHECK(out[0].suppressed == 2);
  CHECK(out[0].span == 60s);  // the old window, not up to 90 s
  CHECK(f.holds("k"));
}

TEST_CASE("log summariser: clear ends every key of the prefix at once, others stay") {
  auto f = three_a_minute();
  summaries out;
  for (int i = 0; i < 7; ++i)
    f.admit("replies:refused:ESME_RTHROTTLED", t0 + i * 1s, out);
  for (int i = 0; i < 4; ++i)
    f.admit("replies:refused:ESME_RSYSERR", t0 + i * 1s, out);
  for (int i = 0; i < 9; ++i)
    f.admit("store:batch failed", t0 + i * 1s, out);
  f.clear("replies:", t0 + 20s, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].key == "replies:refused:ESME_RSYSERR");
  CHECK(out[0].suppressed == 1);
  CHECK(out[0].span == 20s);
  CHECK(out[1].key == "replies:refused:ESME_RTHROTTLED");
  CHECK(out[1].suppressed == 4);
  CHECK(f.keys() == 1);
  out.clear();
  f.clear("replies:", t0 + 21s, out);  // nothing left of it: nothing
  CHECK(out.empty());
  f.flush(t0 + 30s, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == "store:batch failed");
  CHECK(out[0].suppressed == 6);
}

TEST_CASE("log summariser: a key that held nothing back ends with a summary of 0") {
  auto f = three_a_minute();
  summaries out;
  f.admit("reconnect", t0, out);
  f.tick(t0 + 60s, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].suppressed == 0);  // nothing to write, only forgotten
  CHECK(f.keys() == 0);
}

TEST_CASE("log summariser: a 10-minute outage at 500 failures a second stays a few lines") {
  auto f = three_a_minute();
  summaries out;
  std::uint64_t written = 0;
  const std::uint64_t total = 10 * 60 * 500;
  for (std::uint64_t i = 0; i < total; ++i) {
    const auto now = t0 + std::chrono::microseconds(i * 2000);
    if (f.admit("forward:connection refused", now, out)) ++written;
    if (i % 500 == 0) f.tick(now, out);  // the daemon's one-second tick
  }
  f.clear("forward:", t0 + 601s, out);  // the store answers again
  std::uint64_t summary_lines = 0;
  for (const auto& s : out)
    summary_lines += s.suppressed > 0 ? 1 : 0;
  CHECK(written == 30);  // 3 per minute
  CHECK(summary_lines == 10);
  CHECK(written + held(out) == total);  // every failure written or counted, once
}

TEST_CASE("log summariser: keys are bounded, the oldest is summarised to make room") {
  log_summariser f({1, 60s, 2});
  summaries out;
  f.admit("a", t0, out);
  f.admit("a", t0 + 1s, out);  // held
  f.admit("b", t0 + 2s, out);
  f.admit("c", t0 + 3s, out);  // no room: "a", the oldest, goes with its count
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == "a");
  CHECK(out[0].suppressed == 1);
  CHECK(f.keys() == 2);
  CHECK_FALSE(f.holds("a"));
}

TEST_CASE("log summariser: first = 0 still writes the first line of a condition") {
  log_summariser f({0, 10s, 8});
  summaries out;
  CHECK(f.admit("k", t0, out));
  CHECK_FALSE(f.admit("k", t0 + 1s, out));
}
