// The shell of the summariser: what the lines look like on a real spdlog logger, that a level
// the logger drops is not counted, and that the summary goes to the logger of the site.
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "lapord/net/log_flood.hpp"

using lapord::net::log_flood;
using namespace std::chrono_literals;

namespace {
const log_flood::clock::time_point t0{std::chrono::hours(2)};

struct captured {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> log;
  explicit captured(const std::string& name) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
    sink->set_pattern("[%n] %l %v");
    log = std::make_shared<spdlog::logger>(name, sink);
    log->set_level(spdlog::level::info);
  }
};
}  // namespace

TEST_CASE("log flood: 2 lines written, then one summary line on the site's logger") {
  log_flood flood({2, 30s, 16});
  captured fwd("forward"), other("store");
  for (int i = 0; i < 50; ++i) {
    if (flood.admit(fwd.log, spdlog::level::warn, "forwarder: connection refused", t0 + i * 10ms)) {
      fwd.log->warn("forward of complaint {} failed: connection refused", i);
    }
  }
  flood.tick(t0 + 30s);
  CHECK(fwd.text.str() ==
        "[forward] warning forward of complaint 0 failed: connection refused\n"
        "[forward] warning forward of complaint 1 failed: connection refused\n"
        "[forward] warning forwarder: connection refused: 48 more like this in the last 30.0 s, "
        "not logged\n");
  CHECK(other.text.str().empty());
}

TEST_CASE("log flood: a line below the logger's level is neither written nor counted") {
  log_flood flood({1, 30s, 16});
  captured c("replies");
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(flood.admit(c.log, spdlog::level::debug, "k", t0));
  flood.flush(t0 + 1s);
  CHECK(c.text.str().empty());
}

TEST_CASE("log flood: clear after a success writes the summary with the time so far") {
  log_flood flood({1, 60s, 16});
  captured c("replies");
  for (int i = 0; i < 5; ++i) {
    if (flood.admit(c.log, spdlog::level::warn, "replies: refused", t0)) {
      c.log->warn("submit_sm refused {}", i + 1);
    }
  }
  flood.clear("other", t0 + 5s);
  flood.clear("replies:", t0 + 12'500ms);
  flood.clear("replies:", t0 + 13s);  // nothing left: nothing more
  const std::string s = c.text.str();
  CHECK(s.find("submit_sm refused 1\n") != std::string::npos);
  CHECK(s.find("replies: refused: 4 more like this in the last 12.5 s, not logged\n") !=
        std::string::npos);
  CHECK(s.find("submit_sm refused 2") == std::string::npos);
}

TEST_CASE("log flood: warn() writes the first line and holds the next (the real clock)") {
  log_flood flood({1, 3600s, 16});
  captured c("store");
  flood.warn(c.log, "store: batch failed", "batch of {} MO failed", 7);
  flood.warn(c.log, "store: batch failed", "batch of {} MO failed", 8);
  flood.flush();
  const std::string s = c.text.str();
  CHECK(s.find("batch of 7 MO failed\n") != std::string::npos);
  CHECK(s.find("batch of 8 MO failed") == std::string::npos);
  CHECK(s.find("store: batch failed: 1 more like this in the last") != std::string::npos);
}
