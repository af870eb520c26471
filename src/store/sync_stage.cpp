#include "store/sync_stage.hpp"

#include <pthread.h>

#include <algorithm>

#include "lapord/store/error.hpp"

namespace lapord::store {

sync_stage::sync_stage(std::unique_ptr<wal_sync> sync, release_fn release)
    : sync_(std::move(sync)), release_(std::move(release)) {
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lapord-acks");  // as database.cpp's writer
    complete_run();
  });
  completer_id_ = completer_.get_id();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lapord-sync");  // as database.cpp's writer
    run();
  });
  thread_id_ = thread_.get_id();
}

sync_stage::~sync_stage() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  {
    std::lock_guard lock(done_mutex_);
    done_stopping_ = true;
  }
  done_wake_.notify_one();
  completer_.join();  // after every batch handed to it was released
}

void sync_stage::committed(batch b) {
  std::unique_lock lock(mutex_);
  const auto ticket = order_.committed();
  b.id = ticket.id;
  if (ticket.fail_now) {
    lock.unlock();
    // Behind the batches released before it: a failure is reported after the successes that
    // came first, never before (the store's health follows the last verdict).
    verdict v{
        {}, make_error_code(errc::io_error), "store: an earlier fdatasync of the WAL failed", {}};
    v.batches.push_back(std::move(b));
    hand_over(std::move(v));
    return;
  }
  held_.push_back(std::move(b));
  note_oldest();
  // A running sync does not cover this batch; the thread looks again when that one ends.
  const bool wake = order_.sync_due();
  lock.unlock();
  if (wake) wake_.notify_one();
}

std::chrono::nanoseconds sync_stage::waiting_for() const noexcept {
  return elapsed_since(oldest_since_.load(std::memory_order_relaxed));
}

void sync_stage::note_oldest() noexcept {
  oldest_since_.store(held_.empty() ? 0
                                    : std::max<std::int64_t>(
                                          1, held_.front().committed_at.time_since_epoch().count()),
                      std::memory_order_relaxed);
}

void sync_stage::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return order_.sync_due() || stopping_; });
    // Stopping with nothing due: every held batch was handed over (the writer has stopped).
    if (!order_.sync_due()) return;
    order_.sync_started();
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    const std::string why = sync_->sync();
    const auto took = std::chrono::steady_clock::now() - started;
    lock.lock();
    const auto r = order_.sync_done(why.empty());
    if (r.what == sync_order::release::action::fail) failed_.store(true, std::memory_order_release);
    verdict v;
    while (!held_.empty() && held_.front().id <= r.up_to) {
      v.batches.push_back(std::move(held_.front()));
      held_.pop_front();
    }
    note_oldest();
    lock.unlock();
    // Completed on the completion thread: this one goes on to the next fdatasync meanwhile.
    v.ec = r.what == sync_order::release::action::fail ? make_error_code(errc::io_error)
                                                       : std::error_code();
    v.why = why;
    v.sync_time = took;
    hand_over(std::move(v));
    lock.lock();
  }
}

void sync_stage::hand_over(verdict v) {
  {
    std::lock_guard lock(done_mutex_);
    to_complete_.push_back(std::move(v));
    // A busy completer finds it when it looks again; only an idle one needs the wake-up.
    if (to_complete_.size() > 1) return;
  }
  done_wake_.notify_one();
}

void sync_stage::complete_run() {
  std::unique_lock lock(done_mutex_);
  for (;;) {
    done_wake_.wait(lock, [&] { return !to_complete_.empty() || done_stopping_; });
    if (to_complete_.empty()) return;  // stopping, and everything handed over was released
    verdict v = std::move(to_complete_.front());
    lock.unlock();
    for (auto& b : v.batches)
      release_(b, v.ec, v.why, v.sync_time);
    lock.lock();
    to_complete_.pop_front();  // popped after: hand_over wakes only an idle completer
  }
}

}  // namespace lapord::store
