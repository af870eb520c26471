#pragma once
// The submit rate limit of a carrier: `rate` tokens per second, at most `burst` saved up. One
// token per submit_sm, so over any interval T at most burst + rate*T messages leave. Time is
// passed in, so tests never sleep.
#include <chrono>
#include <cstdint>

namespace lapord::net {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate, std::uint32_t burst, clock::time_point now);

  // Takes one token if there is one.
  bool try_take(clock::time_point now);

  // When the next token will be there (now, if one is).
  [[nodiscard]] clock::time_point next_token(clock::time_point now);

 private:
  void refill(clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

}  // namespace lapord::net
