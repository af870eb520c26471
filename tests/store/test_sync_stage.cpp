// The sync thread around sync_order, with a scripted fdatasync: each sync blocks until the test
// lets it end, with the outcome the test chooses. Batches are told apart by their count.
// Waits are on condition variables with a deadline, never a sleep.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "lapord/store/error.hpp"
#include "store/sync_stage.hpp"

using namespace lapord::store;
using namespace std::chrono_literals;

namespace {

// Shared between the test and the fake sync; everything under one mutex.
struct script {
  std::mutex m;
  std::condition_variable cv;
  int entered = 0;               // syncs begun
  std::deque<std::string> ends;  // the outcome of each sync the test let end ("" = ok)
  std::vector<std::pair<std::size_t, std::error_code>> released;  // (batch tag, verdict)

  template <class Pred>
  bool wait(Pred p) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 30s, p);
  }
  void end_sync(std::string outcome) {
    std::lock_guard lock(m);
    ends.push_back(std::move(outcome));
    cv.notify_all();
  }
};

class scripted_sync final : public wal_sync {
 public:
  explicit scripted_sync(script& s) : s_(s) {}
  std::string sync() noexcept override {
    std::unique_lock lock(s_.m);
    ++s_.entered;
    s_.cv.notify_all();
    s_.cv.wait(lock, [&] { return !s_.ends.empty(); });
    std::string outcome = std::move(s_.ends.front());
    s_.ends.pop_front();
    return outcome;
  }

 private:
  script& s_;
};

sync_stage::batch tagged(std::size_t tag) {
  sync_stage::batch b;
  b.count = tag;
  b.committed_at = std::chrono::steady_clock::now();
  return b;
}

sync_stage make_stage(script& s) {
  return sync_stage(
      std::make_unique<scripted_sync>(s),
      [&s](sync_stage::batch& b, std::error_code ec, const std::string&, std::chrono::nanoseconds) {
        std::lock_guard lock(s.m);
        s.released.emplace_back(b.count, ec);
        s.cv.notify_all();
      });
}

}  // namespace

TEST_CASE("sync stage: a batch committed while a sync runs waits for the next sync") {
  script s;
  {
    auto stage = make_stage(s);
    stage.committed(tagged(1));
    REQUIRE(s.wait([&] { return s.entered == 1; }));
    stage.committed(tagged(2));  // after the first fdatasync began: not covered by it
    s.end_sync("");
    REQUIRE(s.wait([&] { return s.entered == 2; }));
    // Batch 1 is completed (on the completion thread, maybe only now); batch 2 is held while
    // its own sync runs.
    CHECK(s.wait([&] { return s.released.size() == 1; }));
    {
      std::lock_guard lock(s.m);
      CHECK(s.released.size() == 1);
      if (!s.released.empty()) {  // (a REQUIRE here would leave sync 2 running at the stop)
        CHECK(s.released[0].first == 1);
        CHECK_FALSE(s.released[0].second);
      }
    }
    CHECK(stage.waiting_for() > 0ns);
    s.end_sync("");
    REQUIRE(s.wait([&] { return s.released.size() == 2; }));
    CHECK(s.released[1].first == 2);
    CHECK_FALSE(s.released[1].second);
    CHECK_FALSE(stage.failed());
  }
}

TEST_CASE(
    "sync stage: a failed fdatasync fails its batches, never acks them, and every later one") {
  script s;
  auto stage = make_stage(s);
  stage.committed(tagged(1));
  REQUIRE(s.wait([&] { return s.entered == 1; }));
  stage.committed(tagged(2));
  s.end_sync("store: fdatasync of lapord.db-wal: Input/output error");
  REQUIRE(s.wait([&] { return s.released.size() == 2; }));
  for (auto& [tag, ec] : s.released)
    CHECK(ec == make_error_code(errc::io_error));
  CHECK(stage.failed());
  stage.committed(tagged(3));  // failed at once, behind the two before it
  REQUIRE(s.wait([&] { return s.released.size() == 3; }));
  {
    std::lock_guard lock(s.m);
    CHECK(s.released[2].first == 3);
    CHECK(s.released[2].second == make_error_code(errc::io_error));
    CHECK(s.entered == 1);  // no further sync
  }
}

TEST_CASE("sync stage: stopping syncs and releases what is still held") {
  script s;
  {
    s.end_sync("");  // the coming sync succeeds as soon as it begins
    auto stage = make_stage(s);
    stage.committed(tagged(7));
  }  // the destructor returns only once batch 7 was synced and released
  REQUIRE(s.released.size() == 1);
  CHECK(s.released[0].first == 7);
  CHECK_FALSE(s.released[0].second);
}

TEST_CASE(
    "sync stage: the next fdatasync begins while the last one's batches are being completed") {
  script s;
  std::mutex gate_m;
  std::condition_variable gate_cv;
  bool open = false;
  bool in_release = false;
  std::vector<std::size_t> order;
  {
    sync_stage stage(
        std::make_unique<scripted_sync>(s),
        [&](sync_stage::batch& b, std::error_code, const std::string&, std::chrono::nanoseconds) {
          std::unique_lock lock(gate_m);
          order.push_back(b.count);
          in_release = true;
          gate_cv.notify_all();
          // Batch 1's completion (its items' done()) holds until the test lets it.
          if (b.count == 1) gate_cv.wait(lock, [&] { return open; });
        });
    stage.committed(tagged(1));
    REQUIRE(s.wait([&] { return s.entered == 1; }));
    s.end_sync("");
    {
      std::unique_lock lock(gate_m);
      REQUIRE(gate_cv.wait_for(lock, 30s, [&] { return in_release; }));
    }
    stage.committed(tagged(2));
    // Batch 1 is still being completed: batch 2's fdatasync begins all the same.
    CHECK(s.wait([&] { return s.entered == 2; }));
    s.end_sync("");
    {
      std::lock_guard lock(gate_m);
      open = true;
    }
    gate_cv.notify_all();
  }  // stopped: both released
  REQUIRE(order.size() == 2);
  CHECK(order[0] == 1);  // in commit order
  CHECK(order[1] == 2);
}
