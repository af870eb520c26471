#include "lapord/net/log_flood.hpp"

namespace lapord::net {

bool log_flood::admit(const std::shared_ptr<spdlog::logger>& log, spdlog::level::level_enum level,
                      std::string_view key, clock::time_point now) {
  if (!log || !log->should_log(level)) return false;
  bool write_it = false;
  locked([&](std::vector<log_summariser::summary>& ended) {
    write_it = summariser_.admit(key, now, ended);
    auto it = sinks_.find(key);
    if (it == sinks_.end()) {
      sinks_.emplace(std::string(key), sink{log, level});
    } else {
      it->second = sink{log, level};
    }
  });
  return write_it;
}

void log_flood::clear(std::string_view prefix, clock::time_point now) {
  if (!holding_.load(std::memory_order_relaxed)) return;
  locked([&](auto& ended) { summariser_.clear(prefix, now, ended); });
}

void log_flood::tick(clock::time_point now) {
  if (!holding_.load(std::memory_order_relaxed)) return;
  locked([&](auto& ended) { summariser_.tick(now, ended); });
}

void log_flood::flush(clock::time_point now) {
  locked([&](auto& ended) { summariser_.flush(now, ended); });
}

void log_flood::configure(log_summariser::settings s, clock::time_point now) {
  locked([&](auto& ended) {
    summariser_.flush(now, ended);
    summariser_ = log_summariser(s);
  });
}

void log_flood::locked(const std::function<void(std::vector<log_summariser::summary>&)>& f) {
  std::vector<log_summariser::summary> ended;
  std::vector<std::pair<sink, log_summariser::summary>> lines;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    f(ended);
    for (auto& s : ended) {
      auto it = sinks_.find(s.key);
      if (it == sinks_.end()) continue;
      if (s.suppressed > 0) lines.emplace_back(it->second, std::move(s));
      sinks_.erase(it);
    }
    holding_.store(summariser_.keys() > 0, std::memory_order_relaxed);
  }
  // Written outside the lock: a slow sink must not hold up the other threads' admit().
  for (const auto& [where, s] : lines) {
    where.log->log(where.level, "{}: {} more like this in the last {:.1f} s, not logged", s.key,
                   s.suppressed, static_cast<double>(s.span.count()) / 1000.0);
  }
}

log_flood& log_flood::shared() {
  static log_flood instance;
  return instance;
}

}  // namespace lapord::net
