#pragma once
// The lines a store's on_log hook was given, for tests to look through (any thread).
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lapord/store/database.hpp"

namespace lapord::store::test {

class log_lines {
 public:
  void add(backend_log level, std::string_view line) {
    const std::lock_guard lock(m_);
    lines_.emplace_back(level, std::string(line));
  }
  std::vector<std::pair<backend_log, std::string>> all() const {
    const std::lock_guard lock(m_);
    return lines_;
  }
  std::size_t count(std::string_view part) const {
    std::size_t n = 0;
    for (const auto& [level, line] : all())
      n += line.find(part) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex m_;
  std::vector<std::pair<backend_log, std::string>> lines_;
};

inline std::string dbname_of(const std::string& url) {
  return url.substr(url.rfind("dbname=") + 7);
}

}  // namespace lapord::store::test
