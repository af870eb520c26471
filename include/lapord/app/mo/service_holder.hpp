#pragma once
// The complaint service the running daemon uses, swappable by a reload. Every work item (one
// MO, one batch of expired parts, one callback event, one USSD dialogue) takes a snapshot
// when it starts and uses that one service to its end, so no message is decided with half the
// old templates and half the new directory. The snapshot keeps its service alive after a swap.
// The ref generator is not in it: refs must stay unique, so its key never changes by reload.
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "lapord/lapor/service.hpp"

namespace lapord::app {

class service_holder {
 public:
  explicit service_holder(std::shared_ptr<const lapor::service> first)
      : current_(std::move(first)) {}
  service_holder(const service_holder&) = delete;
  service_holder& operator=(const service_holder&) = delete;

  // Thread-safe; cheap (a lock and a reference count).
  [[nodiscard]] std::shared_ptr<const lapor::service> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  // 1 for the service loaded at start, one more per swap.
  [[nodiscard]] std::uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  // Work items started from now on get `next`; those running keep theirs. Thread-safe.
  void replace(std::shared_ptr<const lapor::service> next) {
    std::shared_ptr<const lapor::service> old;
    {
      std::lock_guard lock(mutex_);
      old = std::exchange(current_, std::move(next));
      ++generation_;
    }
    // The old service (a directory, a word list) is freed here, outside the lock, if no work
    // item still holds it.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const lapor::service> current_;
  std::uint64_t generation_ = 1;
};

}  // namespace lapord::app
