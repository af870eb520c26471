#pragma once
// The log-flood summariser (log_summariser.hpp) behind a lock, writing through spdlog: the
// repeated log sites (a forward, a reply or a store batch failing, a reconnect) ask admit()
// before writing their line; tick() (the daemon calls it every second) writes the summaries
// of the windows that ended, clear() those of a condition that cleared (the call that
// succeeded again), flush() all of them at shutdown. One process-wide instance, shared(), as
// spdlog's loggers are: the sites live on several threads and in several layers.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "lapord/net/log_summariser.hpp"

namespace lapord::net {

class log_flood {
 public:
  using clock = std::chrono::steady_clock;

  explicit log_flood(log_summariser::settings s = {}) : summariser_(s) {}

  // One would-be line at `level` on `log`: true = write it. A line the logger's level would
  // drop anyway is not counted (false). The logger and level are kept for the key's summary.
  bool admit(const std::shared_ptr<spdlog::logger>& log, spdlog::level::level_enum level,
             std::string_view key, clock::time_point now = clock::now());

  // admit() and the line, for a warning: `key` is the site and the cause, never a number.
  template <typename... Args>
  void warn(const std::shared_ptr<spdlog::logger>& log, std::string_view key,
            spdlog::format_string_t<Args...> format, Args&&... args) {
    if (admit(log, spdlog::level::warn, key)) log->warn(format, std::forward<Args>(args)...);
  }

  // Cheap when nothing is held (one atomic load): safe on a success path.
  void clear(std::string_view prefix, clock::time_point now = clock::now());
  void tick(clock::time_point now = clock::now());
  void flush(clock::time_point now = clock::now());

  // New settings ([log] repeat_lines, repeat_window_s): what is held is summarised first.
  void configure(log_summariser::settings s, clock::time_point now = clock::now());

  static log_flood& shared();

 private:
  struct sink {
    std::shared_ptr<spdlog::logger> log;
    spdlog::level::level_enum level = spdlog::level::warn;
  };
  // Runs `f` on the summariser under the lock, then writes the summaries of the keys it ended.
  void locked(const std::function<void(std::vector<log_summariser::summary>&)>& f);

  std::mutex mutex_;
  log_summariser summariser_;
  std::map<std::string, sink, std::less<>> sinks_;
  std::atomic<bool> holding_{false};
};

}  // namespace lapord::net
