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
    {
      std::lock_guard lock(s.m);
      REQUIRE(s.released.size() == 1);  // batch 2 is held while its own sync runs
      CHECK(s.released[0].first == 1);
      CHECK_FALSE(s.released[0].second);
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
  stage.committed(tagged(3));  // released at once, on this thread, with an error
  {
    std::lock_guard lock(s.m);
    REQUIRE(s.released.size() == 3);
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
