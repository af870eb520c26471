#pragma once
// How long a bind holds its submit_sm after the carrier said ESME_RTHROTTLED / ESME_RMSGQFUL:
// the first pause is the configured one, each further throttle in a row doubles it (up to 32
// times the first), and an accepted submit_sm ends the streak. The refused message is sent again
// after the pause, never dropped.
#include <chrono>

namespace lapord::net {

class throttle_pause {
 public:
  explicit throttle_pause(std::chrono::milliseconds first) : first_(first), next_(first) {}

  // The pause to hold now; the next one in the streak is twice as long.
  std::chrono::milliseconds on_throttled() {
    const auto pause = next_;
    next_ = std::min(next_ * 2, first_ * max_factor);
    return pause;
  }

  void on_accepted() { next_ = first_; }

 private:
  static constexpr int max_factor = 32;
  std::chrono::milliseconds first_;
  std::chrono::milliseconds next_;
};

}  // namespace lapord::net
