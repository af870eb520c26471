#include "store/sync_stage.hpp"

#include <pthread.h>

#include <algorithm>

#include "lapord/store/error.hpp"

namespace lapord::store {

sync_stage::sync_stage(std::unique_ptr<wal_sync> sync, release_fn release)
    : sync_(std::move(sync)), release_(std::move(release)) {
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
}

void sync_stage::committed(batch b) {
  std::unique_lock lock(mutex_);
  const auto ticket = order_.committed();
  b.id = ticket.id;
  if (ticket.fail_now) {
    lock.unlock();
    release_(b, make_error_code(errc::io_error), "store: an earlier fdatasync of the WAL failed",
             {});
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
  std::vector<batch> out;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return order_.sync_due() || stopping_; });
    // Stopping with nothing due: every held batch was released (the writer has stopped).
    if (!order_.sync_due()) return;
    order_.sync_started();
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    const std::string why = sync_->sync();
    const auto took = std::chrono::steady_clock::now() - started;
    lock.lock();
    const auto r = order_.sync_done(why.empty());
    if (r.what == sync_order::release::action::fail) failed_.store(true, std::memory_order_release);
    while (!held_.empty() && held_.front().id <= r.up_to) {
      out.push_back(std::move(held_.front()));
      held_.pop_front();
    }
    note_oldest();
    lock.unlock();
    // Outside the lock: the writer goes on committing while the items are completed.
    const std::error_code ec = r.what == sync_order::release::action::fail
                                   ? make_error_code(errc::io_error)
                                   : std::error_code();
    for (auto& b : out)
      release_(b, ec, why, took);
    out.clear();
    lock.lock();
  }
}

}  // namespace lapord::store
