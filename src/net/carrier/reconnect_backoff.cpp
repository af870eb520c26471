#include "net/carrier/reconnect_backoff.hpp"

#include <algorithm>

namespace lapord::net {

reconnect_backoff::reconnect_backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
    : min_(std::max(min, std::chrono::milliseconds(1))),
      max_(std::max(max, min_)),
      ceiling_(min_) {}

std::chrono::milliseconds reconnect_backoff::next(std::mt19937_64& random) {
  std::uniform_int_distribution<std::int64_t> draw(0, ceiling_.count());
  const std::chrono::milliseconds wait(draw(random));
  ceiling_ = std::min(ceiling_ * 2, max_);
  return wait;
}

std::chrono::milliseconds reconnect_backoff::after_rejected_credentials() {
  ceiling_ = max_;
  return max_;
}

}  // namespace lapord::net
