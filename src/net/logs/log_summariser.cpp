#include "lapord/net/log_summariser.hpp"

#include <algorithm>

namespace lapord::net {

bool log_summariser::admit(std::string_view key, time_point now, std::vector<summary>& out) {
  auto it = keys_.find(key);
  if (it != keys_.end() && now - it->second.start >= settings_.window) {
    end(it, it->second.start + settings_.window, out);
    it = keys_.end();
  }
  if (it == keys_.end()) {
    if (keys_.size() >= settings_.max_keys) forget_oldest(now, out);
    keys_.emplace(std::string(key), state{now, 1, 0});
    return true;
  }
  state& s = it->second;
  if (s.written < settings_.first) {
    ++s.written;
    return true;
  }
  ++s.suppressed;
  return false;
}

void log_summariser::tick(time_point now, std::vector<summary>& out) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    auto next = std::next(it);
    if (now - it->second.start >= settings_.window)
      end(it, it->second.start + settings_.window, out);
    it = next;
  }
}

void log_summariser::clear(std::string_view prefix, time_point now, std::vector<summary>& out) {
  for (auto it = keys_.lower_bound(prefix);
       it != keys_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;) {
    auto next = std::next(it);
    end(it, std::min(now, it->second.start + settings_.window), out);
    it = next;
  }
}

void log_summariser::flush(time_point now, std::vector<summary>& out) {
  clear("", now, out);
}

void log_summariser::end(map::iterator it, time_point until, std::vector<summary>& out) {
  const auto span = std::max(until - it->second.start, time_point::duration::zero());
  out.push_back(summary{it->first, it->second.suppressed,
                        std::chrono::duration_cast<std::chrono::milliseconds>(span)});
  keys_.erase(it);
}

void log_summariser::forget_oldest(time_point now, std::vector<summary>& out) {
  auto oldest = keys_.begin();
  for (auto it = keys_.begin(); it != keys_.end(); ++it) {
    if (it->second.start < oldest->second.start) oldest = it;
  }
  end(oldest, now, out);
}

}  // namespace lapord::net
