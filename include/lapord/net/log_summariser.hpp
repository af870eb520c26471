#pragma once
// The log-flood summariser: a would-be log line that repeats per failed attempt (the national
// store down, the database refusing, a carrier refusing every submit_sm) is fed here as its
// key (the site and the cause, never a phone number) and the time. The first `first` lines of
// a key in a window are written; the rest are only counted, and when the window ends (tick) or
// the condition clears (clear), one summary line stands for them: "N more like this in the
// last T s". An outage of minutes is then a handful of lines per key, not one per attempt.
// Pure: no clock, no lock, no logger; log_flood.hpp is the thread-safe shell that writes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::net {

class log_summariser {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct settings {
    unsigned first = 3;                        // lines written per key and window (at least 1)
    std::chrono::milliseconds window{60'000};  // a window starts at a key's first line
    std::size_t max_keys = 256;                // kinds of failure remembered at once
  };

  // A key's window ended: the lines of `key` not written (0: nothing to summarise, the key is
  // only forgotten), over the `span` they came in (window start to its end, or to the clear
  // that ended it).
  struct summary {
    std::string key;
    std::uint64_t suppressed = 0;
    std::chrono::milliseconds span{0};
  };

  // `first` is at least 1: the first line of a condition is always written.
  explicit log_summariser(settings s) : settings_(s) {
    if (settings_.first == 0) settings_.first = 1;
  }

  // One would-be line of `key` at `now`: true = write it. A window of `key` that had ended is
  // summarised into `out` first (a tick may not have come yet).
  bool admit(std::string_view key, time_point now, std::vector<summary>& out);

  // Every window ended by `now`: its summary, and its key forgotten, so that the next line of
  // that key is written at once.
  void tick(time_point now, std::vector<summary>& out);

  // The condition behind every key that starts with `prefix` cleared (the store answers, the
  // SMSC accepts again): their summaries now, and their next lines are firsts.
  void clear(std::string_view prefix, time_point now, std::vector<summary>& out);

  // Every key's summary (at shutdown: nothing held back is lost).
  void flush(time_point now, std::vector<summary>& out);

  [[nodiscard]] std::size_t keys() const noexcept { return keys_.size(); }
  [[nodiscard]] bool holds(std::string_view key) const { return keys_.find(key) != keys_.end(); }

 private:
  struct state {
    time_point start;
    unsigned written = 0;
    std::uint64_t suppressed = 0;
  };
  using map = std::map<std::string, state, std::less<>>;

  void end(map::iterator it, time_point until, std::vector<summary>& out);
  void forget_oldest(time_point now, std::vector<summary>& out);

  settings settings_;
  map keys_;
};

}  // namespace lapord::net
