#pragma once
// When to try a complaint again: exponential back-off with full jitter and a cap, and the
// store's own Retry-After. Pure: the random number and the clock are passed in.
#include <chrono>
#include <optional>
#include <string_view>

namespace lapord::net::http {

struct backoff_bounds {
  std::chrono::milliseconds initial{1000};  // ceiling of the first retry's delay
  std::chrono::milliseconds max{300000};    // no retry waits longer than this (the cap)
};

// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a delay drawn
// uniformly from [0, min(max, initial * 2^(attempt-1))] so that many refs failing together do
// not come back together. `attempt` counts failures so far (1 after the first failure);
// `unit_random` is in [0, 1).
[[nodiscard]] std::chrono::milliseconds full_jitter_delay(unsigned attempt,
                                                          const backoff_bounds& bounds,
                                                          double unit_random);

// The Retry-After header value as a delay from `now`: delta-seconds ("120") or an HTTP-date.
// A date in the past is zero. nullopt when the value is neither (the header is then ignored).
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The delay before the next attempt: the jittered back-off, but never earlier than the store
// asked for with Retry-After; the store's wish is itself capped by `retry_after_max` so that a
// wrong header cannot hold a complaint for days.
[[nodiscard]] std::chrono::milliseconds retry_delay(std::chrono::milliseconds jittered,
                                                    std::optional<std::chrono::seconds> retry_after,
                                                    std::chrono::milliseconds retry_after_max);

}  // namespace lapord::net::http
