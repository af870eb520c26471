#pragma once
// The sync thread of the overlapped fsync ([store] sqlite_sync = "overlap"): the writer hands it
// each committed batch and goes on to the next one; this thread fdatasync()s the WAL and hands
// the batches that sync covered to a completion thread, which releases them (completes them, or
// fails them if it failed) in the order they were handed over. The next fdatasync so begins
// while the last one's batches are still being completed (each item's done(): its ack, reply and
// forward hand-off, access line), not after. Which batch a sync covers and what a failure does
// is sync_order's to say; this is only the threads, the lock and the queues around it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "lapord/store/backend.hpp"
#include "store/sync_order.hpp"

namespace lapord::store {

class work_item;

// How long ago `steady_ticks` (steady_clock ticks since its epoch, as kept in an atomic) was;
// 0 for 0 (nothing pending). database::busy_for and sync_stage::waiting_for both read theirs so.
inline std::chrono::nanoseconds elapsed_since(std::int64_t steady_ticks) noexcept {
  if (steady_ticks == 0) return std::chrono::nanoseconds(0);
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  return std::max(std::chrono::nanoseconds(0),
                  std::chrono::duration_cast<std::chrono::nanoseconds>(
                      now - std::chrono::steady_clock::duration(steady_ticks)));
}

class sync_stage {
 public:
  // A committed batch waiting for its sync: the writer's list of items and the ones that failed
  // alone (they are completed with their own error either way).
  struct batch {
    work_item* first = nullptr;
    std::size_t count = 0;
    std::vector<std::pair<work_item*, std::string>> errors;
    sync_order::batch_id id = 0;
    std::chrono::steady_clock::time_point committed_at;
    std::chrono::nanoseconds commit_time{0};  // the COMMIT's own (without its fsync)
  };
  // Completes a batch: ec empty after a successful sync (each item acknowledged unless in
  // errors), else every item with ec and `why`. On the completion thread, one batch at a time,
  // in commit order. sync_time: how long the covering sync took.
  using release_fn = std::function<void(batch& b, std::error_code ec, const std::string& why,
                                        std::chrono::nanoseconds sync_time)>;

  sync_stage(std::unique_ptr<wal_sync> sync, release_fn release);
  // Stops the threads after every held batch was released (the writer must have stopped).
  ~sync_stage();
  sync_stage(const sync_stage&) = delete;
  sync_stage& operator=(const sync_stage&) = delete;

  // Writer thread, after the batch's COMMIT returned: held until a sync covers it (or handed
  // to the completion thread at once, to fail, if a sync failed before).
  void committed(batch b);
  // True once a sync failed: the writer then fails every batch without running it.
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  // How long the oldest held batch has waited since its COMMIT (0 when none): a hung fdatasync
  // makes it grow (database::busy_for, /readyz).
  std::chrono::nanoseconds waiting_for() const noexcept;
  // The sync thread or the completion thread (where release_ runs).
  bool on_sync_thread() const noexcept {
    const auto self = std::this_thread::get_id();
    return self == thread_id_ || self == completer_id_;
  }

 private:
  // Batches to release with one verdict.
  struct verdict {
    std::vector<batch> batches;
    std::error_code ec;
    std::string why;
    std::chrono::nanoseconds sync_time{0};
  };
  void run();
  void complete_run();
  void hand_over(verdict v);
  void note_oldest() noexcept;  // under mutex_

  std::unique_ptr<wal_sync> sync_;
  release_fn release_;
  std::mutex mutex_;
  std::condition_variable wake_;
  sync_order order_;        // under mutex_
  std::deque<batch> held_;  // under mutex_, in commit order
  bool stopping_ = false;   // under mutex_
  std::atomic<bool> failed_{false};
  std::atomic<std::int64_t> oldest_since_{0};  // steady_clock ticks of held_.front(); 0: none
  std::mutex done_mutex_;
  std::condition_variable done_wake_;
  std::deque<verdict> to_complete_;  // under done_mutex_, in commit order
  bool done_stopping_ = false;       // under done_mutex_
  std::thread completer_;
  std::thread::id completer_id_;
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace lapord::store
