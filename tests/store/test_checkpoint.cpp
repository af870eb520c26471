// The WAL of a real store under a stream of batches stays bounded: with sqlite_sync = overlap
// (the "overlap: " run) the checkpoint thread copies it off the writer and the writer only the
// rest (src/store/sqlite/checkpoint_policy.hpp); with full, SQLite's autocheckpoint does. The
// bound holds whatever the threads' timing: the writer never lets the WAL pass 4 times
// wal_autocheckpoint_pages by more than one batch. Waits are on completions, never a sleep.
#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

struct counter {
  std::mutex m;
  std::condition_variable cv;
  int done = 0;
  int failed = 0;
  void add(bool ok) {
    std::lock_guard lock(m);
    ++done;
    if (!ok) ++failed;
    cv.notify_all();
  }
  bool wait_for(int n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 60s, [&] { return done >= n; });
  }
};

constexpr std::uintmax_t wal_header = 32;
constexpr std::uintmax_t frame_bytes = 24 + 4096;

std::uintmax_t wal_frames(const std::string& db_path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(db_path + "-wal", ec);
  if (ec || size < wal_header) return 0;
  return (size - wal_header) / frame_bytes;
}

}  // namespace

TEST_CASE("the WAL stays bounded under a stream of batches, and every item is stored") {
  LAPORD_SQLITE_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  auto o = options_for(path);
  o.wal_autocheckpoint_pages = 16;  // a pass at 16 frames, the writer's limit at 64
  o.max_batch = 8;
  const int n = 4000;
  const std::string text(600, 'k');  // new pages all the time: the WAL grows with every batch
  std::uintmax_t longest = 0;
  {
    database db(o);
    counter c;
    // Submitted in waves without waiting in between: batches follow one another as under a
    // flood, passes run while the writer commits.
    for (int i = 0; i < n; ++i) {
      const std::string ref = std::to_string(20000000 + i);
      db.submit(
          [ref, &text](transaction& tx) {
            tx.create_complaint(sample_complaint(ref, "+6281234567890", text, at(1000)));
            tx.enqueue_forward(ref, at(1000));
          },
          [&c](result<std::monostate> r) { c.add(static_cast<bool>(r)); });
      if (i % 400 == 399) {
        REQUIRE(c.wait_for(i + 1));
        longest = std::max(longest, wal_frames(path));
      }
    }
    REQUIRE(c.wait_for(n));
    CHECK(c.failed == 0);
    longest = std::max(longest, wal_frames(path));  // the file keeps its longest length
  }
  // 4,000 complaints of 600 bytes wrote some 1,000 pages and many more frames; a batch of 8
  // touches well under 60 pages.
  CHECK(longest > 0);
  CHECK(longest <= 64 + 60);
  raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM complaints") == n);
  CHECK(raw.rows("PRAGMA integrity_check") == "ok\n");
}
