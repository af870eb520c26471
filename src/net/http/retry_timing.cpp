#include "lapord/net/http/retry_timing.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "lapord/net/http/timestamp.hpp"

namespace lapord::net::http {

using std::chrono::milliseconds;

milliseconds full_jitter_delay(unsigned attempt, const backoff_bounds& bounds, double unit_random) {
  const auto initial = std::max<milliseconds::rep>(bounds.initial.count(), 0);
  const auto cap = std::max<milliseconds::rep>(bounds.max.count(), 0);
  // Doubling stops once past the cap, so a large attempt count cannot overflow.
  milliseconds::rep ceiling = std::min(initial, cap);
  for (unsigned i = 1; i < attempt && ceiling < cap; ++i)
    ceiling = std::min(ceiling * 2, cap);
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const auto delay = static_cast<milliseconds::rep>(std::floor(u * static_cast<double>(ceiling)));
  return milliseconds{std::clamp<milliseconds::rep>(delay, 0, ceiling)};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Anything beyond ~a year is clamped rather than overflowing; the caller caps it anyway.
    if (value.size() > 8) return std::chrono::seconds{99999999};
    return std::chrono::seconds{std::stol(std::string(value))};
  }
  auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  const auto delta = std::chrono::ceil<std::chrono::seconds>(
      *date - std::chrono::floor<std::chrono::seconds>(now));
  return std::max(delta, std::chrono::seconds{0});
}

milliseconds retry_delay(milliseconds jittered, std::optional<std::chrono::seconds> retry_after,
                         milliseconds retry_after_max) {
  if (!retry_after) return jittered;
  const milliseconds asked = std::min<milliseconds>(*retry_after, retry_after_max);
  return std::max(jittered, asked);
}

}  // namespace lapord::net::http
