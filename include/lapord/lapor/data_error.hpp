#pragma once
// A bad line in one of the service's data files (directory, aliases, reply templates) or a
// broken invariant across them. what() is "SOURCE:LINE: message" (LINE 0 when the problem is
// not on one line).
#include <stdexcept>
#include <string>

namespace lapord::lapor {

class data_error : public std::runtime_error {
 public:
  data_error(std::string source, int line, const std::string& message)
      : std::runtime_error(source + ":" + std::to_string(line) + ": " + message),
        source_(std::move(source)),
        line_(line),
        message_(message) {}
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  [[nodiscard]] int line() const noexcept { return line_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  std::string source_;
  int line_;
  std::string message_;
};

}  // namespace lapord::lapor
