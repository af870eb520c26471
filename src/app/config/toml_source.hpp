#pragma once
// What the readers of lapord.toml share: the line a value was written on (errors name it),
// where a path written in the file points, and one reader of a [table] with typed values.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace lapord::app {

// The 1-based line a key or value was written on.
int line_of(const toml::source_region& source);
int line_of(const toml::node& node);

// A path written in the configuration file: an absolute one as is, a relative one relative to
// the folder of that file.
std::string resolve(const std::string& config_file, const std::string& path);

// One [table] of the document, which may be absent: its keys are checked against the known
// ones at once, then values are read by type. Every error is a config_error at the line of
// the value, worded "[table] key what".
class section_reader {
 public:
  section_reader(const toml::table& document, std::string_view name, const std::string& file,
                 std::span<const std::string_view> known);

  [[nodiscard]] bool present() const { return table_ != nullptr; }
  [[nodiscard]] std::string label() const { return "[" + std::string(name_) + "]"; }
  // The line of `key`, else of the table, else 0.
  [[nodiscard]] int line(std::string_view key) const;

  // "[table] key what", at the line of `key`.
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;
  // "[table] text", at the line of `key`.
  [[noreturn]] void fail_with(std::string_view key, const std::string& text) const;

  std::optional<std::string> string(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min,
                                      std::int64_t max) const;
  std::optional<std::vector<std::string>> strings(std::string_view key) const;
  // Seconds, fractions allowed (0.25 is a quarter of a second), as in the rest of lapord.toml.
  void seconds(std::string_view key, double min, double max, std::chrono::milliseconds& out) const;

  template <class Int>
  void count(std::string_view key, std::int64_t min, std::int64_t max, Int& out) const {
    if (auto v = integer(key, min, max)) out = static_cast<Int>(*v);
  }

 private:
  const toml::node* get(std::string_view key) const {
    return table_ != nullptr ? table_->get(key) : nullptr;
  }

  std::string_view name_;
  const std::string& file_;
  const toml::table* table_ = nullptr;
};

}  // namespace lapord::app
