// checkpoint_policy with scripted commits and passes: who copies the WAL and when, and that the
// WAL stays bounded however long a pass takes (no thread, no clock, no SQLite). The real store
// with its checkpoint thread: test_checkpoint.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "store/sqlite/checkpoint_policy.hpp"

using lapord::store::sqlite::checkpoint_policy;
using action = checkpoint_policy::action;

TEST_CASE("checkpoint policy: nothing below the threshold, one pass when it is crossed") {
  checkpoint_policy p(800);  // tail 100, limit 3200
  CHECK_FALSE(p.committed(300));
  CHECK_FALSE(p.committed(799));
  CHECK(p.before_begin() == action::none);
  CHECK(p.committed(810));  // start a pass
  CHECK(p.running());
  CHECK_FALSE(p.committed(1000));  // one pass at a time
  CHECK(p.before_begin() == action::none);
}

TEST_CASE("checkpoint policy: passes repeat while the rest shrinks, then the writer copies it") {
  checkpoint_policy p(800);  // tail 100
  REQUIRE(p.committed(810));
  const auto g = p.generation();
  CHECK_FALSE(p.committed(1200));  // committed while the pass ran
  CHECK(p.pass_done(g, 810));      // 390 left of 810: another pass
  CHECK(p.running());
  CHECK_FALSE(p.committed(1300));
  CHECK_FALSE(p.pass_done(g, 1200));  // 100 left
  CHECK_FALSE(p.running());
  CHECK(p.before_begin() == action::writer_copies);
  p.writer_copied(1300);
  CHECK(p.before_begin() == action::none);
  // The writer's next transaction began with every frame copied: SQLite wrote the WAL again
  // from its start.
  CHECK_FALSE(p.committed(40));
  CHECK(p.generation() == g + 1);
  CHECK(p.copied() == 0);
  CHECK(p.before_begin() == action::none);
}

TEST_CASE("checkpoint policy: a rest that no longer shrinks is the writer's to copy") {
  checkpoint_policy p(800);
  REQUIRE(p.committed(800));
  const auto g = p.generation();
  CHECK_FALSE(p.committed(1500));
  CHECK(p.pass_done(g, 800));  // 700 left of 800: one more
  CHECK_FALSE(p.committed(2150));
  CHECK_FALSE(p.pass_done(g, 1500));  // 650 left of 700: the passes no longer gain
  CHECK(p.before_begin() == action::writer_copies);
  CHECK_FALSE(p.committed(2200));  // no pass while it is the writer's turn
  p.writer_copied(2200);
  CHECK(p.before_begin() == action::none);
}

TEST_CASE("checkpoint policy: at the hard limit the writer waits for the pass, then copies") {
  checkpoint_policy p(800);  // limit 3200
  REQUIRE(p.committed(800));
  const auto g = p.generation();
  CHECK_FALSE(p.committed(3100));
  CHECK(p.before_begin() == action::none);
  CHECK_FALSE(p.committed(3300));  // past the limit with the pass still running
  CHECK(p.before_begin() == action::wait_for_pass);
  CHECK_FALSE(p.pass_done(g, 800));
  CHECK(p.before_begin() == action::writer_copies);
}

TEST_CASE("checkpoint policy: a pass without progress is not repeated at once") {
  checkpoint_policy p(800);
  REQUIRE(p.committed(900));
  const auto g = p.generation();
  CHECK_FALSE(p.pass_done(g, 0));  // held back (a reader's snapshot, a busy lock)
  CHECK_FALSE(p.running());
  CHECK(p.before_begin() == action::none);
  CHECK(p.committed(950));  // the next COMMIT tries again
}

TEST_CASE("checkpoint policy: a pass of a WAL since restarted tells nothing of the new one") {
  checkpoint_policy p(800);
  REQUIRE(p.committed(900));
  const auto g = p.generation();
  CHECK_FALSE(p.committed(30));  // restarted while the pass ran (it copied everything)
  CHECK_FALSE(p.pass_done(g, 900));
  CHECK(p.copied() == 0);
}

TEST_CASE("checkpoint policy: 0 pages never checkpoints, as SQLite's wal_autocheckpoint=0") {
  checkpoint_policy p(0);
  CHECK_FALSE(p.committed(100000));
  CHECK(p.before_begin() == action::none);
}

namespace {

struct simulated {
  std::uint32_t longest_wal = 0;
  std::uint32_t largest_writer_copy = 0;
};

// SQLite's side, scripted: the writer commits `batch` frames per transaction; a pass copies the
// frames the WAL had when it began and lasts `fixed` COMMITs plus one per `speed` frames it
// copies (with no speed, until the writer waits for it); a transaction that begins with every
// frame copied writes the WAL again from its start.
simulated simulate(std::uint32_t pages, std::uint32_t batch, int fixed,
                   std::optional<std::uint32_t> speed, int transactions) {
  checkpoint_policy p(pages);
  simulated r;
  std::uint32_t frames = 0;
  std::uint32_t copied = 0;
  std::optional<std::uint32_t> pass_from;  // frames when the running pass began
  std::uint64_t pass_generation = 0;
  int pass_left = 0;  // commits until the running pass ends
  auto start_pass = [&] {
    pass_from = frames;
    pass_generation = p.generation();
    pass_left = speed ? fixed + static_cast<int>((frames - copied) / *speed) : -1;
  };
  auto end_pass = [&] {
    copied = std::max(copied, *pass_from);
    pass_from.reset();
    if (p.pass_done(pass_generation, copied)) start_pass();
  };
  for (int t = 0; t < transactions; ++t) {
    auto a = p.before_begin();
    while (a == action::wait_for_pass) {
      REQUIRE(pass_from);
      end_pass();
      a = p.before_begin();
    }
    if (a == action::writer_copies) {
      REQUIRE_FALSE(pass_from);  // never two checkpoints at once
      r.largest_writer_copy = std::max(r.largest_writer_copy, frames - copied);
      copied = frames;
      p.writer_copied(copied);
    }
    if (frames > 0 && copied == frames) {
      frames = 0;
      copied = 0;
    }
    frames += batch;
    r.longest_wal = std::max(r.longest_wal, frames);
    if (p.committed(frames)) {
      REQUIRE_FALSE(pass_from);
      start_pass();
    } else if (pass_from && pass_left >= 0 && --pass_left <= 0) {
      end_pass();
    }
  }
  return r;
}

}  // namespace

TEST_CASE("checkpoint policy: the WAL stays below the limit plus a batch however slow a pass is") {
  for (const std::uint32_t batch : {1u, 37u, 150u, 400u}) {
    for (const int fixed : {0, 1, 3, 20}) {
      for (const auto speed :
           {std::optional<std::uint32_t>(2000), std::optional<std::uint32_t>(300),
            std::optional<std::uint32_t>(50), std::optional<std::uint32_t>()}) {
        CAPTURE(batch);
        CAPTURE(fixed);
        CAPTURE(speed.value_or(0));
        const auto r = simulate(1000, batch, fixed, speed, 20000);
        CHECK(r.longest_wal <= 4000 + batch);
        // Quick passes restart the WAL near the threshold and leave the writer little to copy.
        if (speed == 2000u && fixed <= 1 && batch <= 150) {
          CHECK(r.longest_wal <= 2000);
          CHECK(r.largest_writer_copy <= 500);
        }
      }
    }
  }
}
