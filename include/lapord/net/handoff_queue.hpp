#pragma once
// A bounded handoff from the thread that makes work (an MO's commit: the store's writer thread)
// to the executor that does it (the reply sender, the forwarder). A place is reserved before
// the work exists (before the MO's transaction), so what waits in memory stays within the limit
// whatever the flood: a producer that gets no place stores the work for a poll instead. Every
// reserve() that returns true is followed by one put() or one unreserve(); the consumer gives
// each place back once the work has left its hands (unreserve), not when it takes it.
#include <atomic>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace lapord::net {

template <class T>
class handoff_queue {
 public:
  explicit handoff_queue(std::size_t limit) : limit_(limit) {}

  // A place if the places held, plus `elsewhere` (work the consumer counts on its own), stay
  // under the limit. Thread-safe.
  [[nodiscard]] bool reserve(std::size_t elsewhere = 0) noexcept {
    std::size_t n = reserved_.load(std::memory_order_relaxed);
    do {
      if (n + elsewhere >= limit_) return false;
    } while (!reserved_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    return true;
  }
  void unreserve(std::size_t n = 1) noexcept { reserved_.fetch_sub(n, std::memory_order_relaxed); }

  // Work for a reserved place. True when the queue was empty: the producer posts one take() to
  // the consumer's executor (later puts join that take).
  [[nodiscard]] bool put(T&& item) {
    std::lock_guard lock(mutex_);
    items_.push_back(std::move(item));
    return items_.size() == 1;
  }
  // Everything put so far, into `out` (cleared first). A consumer that passes the same vector
  // each time swaps buffers with the queue: both keep their capacity, so a put neither
  // allocates nor moves the items already queued to grow a fresh vector.
  void take(std::vector<T>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    out.swap(items_);
  }

  [[nodiscard]] std::size_t reserved() const noexcept {
    return reserved_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> reserved_{0};
  std::mutex mutex_;
  std::vector<T> items_;
};

}  // namespace lapord::net
