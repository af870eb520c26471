// The acknowledgement order of the overlapped fsync (sync_order): scripted events, no thread,
// no file. A batch may be completed only by a successful sync that started after its COMMIT;
// a failed sync fails its batches (never an ack) and every later one.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "store/sync_order.hpp"

using lapord::store::sync_order;
using action = sync_order::release::action;

TEST_CASE("sync_order: a committed batch waits for a sync and is completed when it succeeds") {
  sync_order o;
  CHECK_FALSE(o.sync_due());
  CHECK(o.caught_up());
  auto t = o.committed();
  CHECK(t.id == 1);
  CHECK_FALSE(t.fail_now);
  CHECK_FALSE(o.caught_up());
  CHECK(o.sync_due());
  CHECK(o.sync_started() == 1);
  CHECK_FALSE(o.sync_due());  // one fdatasync at a time
  auto r = o.sync_done(true);
  CHECK(r.what == action::complete);
  CHECK(r.up_to == 1);
  CHECK(o.caught_up());
  CHECK_FALSE(o.sync_due());
}

TEST_CASE("sync_order: one sync covers every batch committed before it started") {
  sync_order o;
  o.committed();
  o.committed();
  o.committed();
  CHECK(o.sync_started() == 3);
  auto r = o.sync_done(true);
  CHECK(r.what == action::complete);
  CHECK(r.up_to == 3);
}

TEST_CASE("sync_order: a sync that started before a commit does not cover it") {
  sync_order o;
  o.committed();  // batch 1
  CHECK(o.sync_started() == 1);
  CHECK(o.committed().id == 2);  // committed while the fdatasync runs
  CHECK_FALSE(o.sync_due());     // the next sync waits for this one
  auto r = o.sync_done(true);
  CHECK(r.what == action::complete);
  CHECK(r.up_to == 1);  // batch 2 is NOT acknowledged by the sync that began before it
  CHECK_FALSE(o.caught_up());
  CHECK(o.sync_due());
  CHECK(o.sync_started() == 2);
  r = o.sync_done(true);
  CHECK(r.what == action::complete);
  CHECK(r.up_to == 2);
  CHECK(o.caught_up());
}

TEST_CASE("sync_order: a failed sync fails its batches and the ones committed meanwhile") {
  sync_order o;
  o.committed();  // 1
  o.committed();  // 2
  CHECK(o.sync_started() == 2);
  o.committed();  // 3: not covered, but it may rest on what the failed sync lost
  auto r = o.sync_done(false);
  CHECK(r.what == action::fail);
  CHECK(r.up_to == 3);
  CHECK(o.failed());
  CHECK(o.caught_up());
  CHECK_FALSE(o.sync_due());
}

TEST_CASE("sync_order: after a failed sync every later batch fails at once and none is acked") {
  sync_order o;
  o.committed();
  o.sync_started();
  o.sync_done(false);
  for (int i = 0; i < 3; ++i) {
    auto t = o.committed();
    CHECK(t.fail_now);
    CHECK(o.caught_up());
    CHECK_FALSE(o.sync_due());
  }
  CHECK_THROWS_AS(o.sync_started(), std::logic_error);
}

TEST_CASE("sync_order: earlier successful syncs stay acked when a later one fails") {
  sync_order o;
  o.committed();  // 1
  o.sync_started();
  o.committed();  // 2
  auto r = o.sync_done(true);
  CHECK(r.what == action::complete);
  CHECK(r.up_to == 1);
  o.sync_started();  // covers 2
  r = o.sync_done(false);
  CHECK(r.what == action::fail);
  CHECK(r.up_to == 2);
  CHECK(o.last_released() == 2);
}

TEST_CASE("sync_order: misuse is refused - a sync with nothing to cover, an end without a start") {
  sync_order o;
  CHECK_THROWS_AS(o.sync_started(), std::logic_error);
  CHECK_THROWS_AS(o.sync_done(true), std::logic_error);
  o.committed();
  o.sync_started();
  CHECK_THROWS_AS(o.sync_started(), std::logic_error);
  o.sync_done(true);
  CHECK_THROWS_AS(o.sync_done(true), std::logic_error);
}

// A long scripted run against a model: at every step, commit, start a sync when one is due, or
// end the running one (now and then failing). Checks the rule itself: every batch completed
// was committed before the sync that completed it started, batches are released once each and
// in order, nothing is completed after a failure, and nothing is left behind.
TEST_CASE("sync_order: a long scripted run never acks a batch before a sync that began after it") {
  int completed = 0;
  int failures = 0;
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    sync_order o;
    std::uint32_t rnd = seed;
    auto next = [&rnd] {
      rnd = rnd * 1664525u + 1013904223u;  // a fixed LCG: the same script every run
      return rnd >> 16;
    };
    std::vector<std::uint64_t> committed_at{0};  // step of each batch's COMMIT, by id
    std::uint64_t sync_began = 0;
    std::uint64_t released = 0;
    bool failed = false;
    for (std::uint64_t step = 1; step <= 2000; ++step) {
      const auto pick = next() % 10;
      if (pick < 5) {
        auto t = o.committed();
        REQUIRE(t.id == committed_at.size());
        committed_at.push_back(step);
        CHECK(t.fail_now == failed);
        if (t.fail_now) released = t.id;
      } else if (o.sync_due()) {
        o.sync_started();
        sync_began = step;
      } else if (o.syncing()) {
        const bool ok = next() % 40 != 0;
        auto r = o.sync_done(ok);
        REQUIRE(r.up_to >= released);
        if (r.what == action::complete) {
          REQUIRE_FALSE(failed);
          for (auto id = released + 1; id <= r.up_to; ++id) {
            REQUIRE(committed_at[id] < sync_began);
            ++completed;
          }
        } else {
          REQUIRE(r.what == action::fail);
          REQUIRE(r.up_to == committed_at.size() - 1);
          failed = true;
          ++failures;
        }
        released = r.up_to;
      }
      CHECK(o.last_released() == released);
    }
    // Drain: whatever is held gets a verdict.
    while (o.syncing() || o.sync_due()) {
      if (o.syncing()) {
        released = o.sync_done(true).up_to;
      } else {
        o.sync_started();
      }
    }
    CHECK(o.caught_up());
    CHECK(released == committed_at.size() - 1);
  }
  CHECK(completed > 1000);  // the script exercised both outcomes
  CHECK(failures > 5);
}
