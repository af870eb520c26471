#include "net/carrier/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace lapord::net {

token_bucket::token_bucket(double rate, std::uint32_t burst, clock::time_point now)
    : rate_(rate), burst_(std::max<double>(burst, 1)), tokens_(burst_), last_(now) {}

void token_bucket::refill(clock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool token_bucket::try_take(clock::time_point now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

token_bucket::clock::time_point token_bucket::next_token(clock::time_point now) {
  refill(now);
  if (tokens_ >= 1.0) return now;
  // Rounded up to the next whole microsecond: waking a hair early would find no token.
  const double wait_s = (1.0 - tokens_) / rate_;
  const auto wait = std::chrono::microseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1e6)));
  return last_ + std::chrono::duration_cast<clock::duration>(wait);
}

}  // namespace lapord::net
