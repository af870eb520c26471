#pragma once
// Keeps a warning that may repeat fast (a peer sending malformed PDUs by the thousand) to one
// line per key and interval: the first occurrence is logged at once, later ones are counted,
// and the next one after `every` is logged with the count of those not logged; flush() hands
// back what is still uncounted (for a last line when the connection ends). Pure: the caller
// passes the time and holds any lock. The same shape as the receipt warning's limiter, so that
// every repeating warning reads alike: "<first line>" ... "<line> (N more since the last line)".
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace lapord::net {

class repeat_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct verdict {
    bool log = false;              // write a line now
    std::uint64_t suppressed = 0;  // occurrences not logged since the last line (when log)
  };

  // At most `max_keys` keys are remembered (kinds of warning: a handful); past it the key of
  // the oldest line is forgotten, which at worst logs one line early.
  explicit repeat_limiter(std::chrono::milliseconds every, std::size_t max_keys = 64)
      : every_(every), max_keys_(max_keys) {}

  verdict occur(std::string_view key, time_point now) {
    auto it = keys_.find(key);
    if (it == keys_.end()) {
      if (keys_.size() >= max_keys_) forget_oldest();
      keys_.emplace(std::string(key), state{now, 0});
      return verdict{true, 0};
    }
    state& s = it->second;
    if (now - s.last_logged < every_) {
      ++s.suppressed;
      return verdict{false, 0};
    }
    const verdict v{true, s.suppressed};
    s = state{now, 0};
    return v;
  }

  // Occurrences of `key` not logged yet; the key is forgotten (its next occurrence is a first).
  std::uint64_t flush(std::string_view key) {
    auto it = keys_.find(key);
    if (it == keys_.end()) return 0;
    const std::uint64_t n = it->second.suppressed;
    keys_.erase(it);
    return n;
  }

  [[nodiscard]] std::chrono::milliseconds every() const noexcept { return every_; }

 private:
  struct state {
    time_point last_logged;
    std::uint64_t suppressed = 0;
  };

  void forget_oldest() {
    auto oldest = keys_.begin();
    for (auto it = keys_.begin(); it != keys_.end(); ++it) {
      if (it->second.last_logged < oldest->second.last_logged) oldest = it;
    }
    keys_.erase(oldest);
  }

  std::chrono::milliseconds every_;
  std::size_t max_keys_;
  std::map<std::string, state, std::less<>> keys_;
};

}  // namespace lapord::net
