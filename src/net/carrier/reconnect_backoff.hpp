#pragma once
// How long a bind waits before the next connection attempt: exponential back-off with full
// jitter (the wait is drawn uniformly between 0 and a ceiling that doubles per failure, from
// reconnect_min up to reconnect_max), so many lapord instances restarting with a carrier do not
// reconnect in lockstep. A rejected password waits the maximum at once: retrying sooner cannot
// succeed and only risks the carrier locking the account.
#include <chrono>
#include <cstdint>
#include <random>

namespace lapord::net {

class reconnect_backoff {
 public:
  reconnect_backoff(std::chrono::milliseconds min, std::chrono::milliseconds max);

  // The ceiling for the next wait, then doubles it (up to max).
  [[nodiscard]] std::chrono::milliseconds ceiling() const { return ceiling_; }

  // A wait after an ordinary failure (refused, reset, dead peer, TLS error, bind failure).
  std::chrono::milliseconds next(std::mt19937_64& random);

  // The wait after the carrier refused our credentials: the maximum, and the ceiling stays there.
  std::chrono::milliseconds after_rejected_credentials();

  // A bind came up: the next failure starts from the minimum again.
  void reset() { ceiling_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
};

}  // namespace lapord::net
