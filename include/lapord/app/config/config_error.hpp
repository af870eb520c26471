#pragma once
// The one error every configuration reader throws. Its what() is the single line an operator
// sees at start: "FILE:LINE: what is wrong" (LINE 0 when the problem has no line, e.g. a
// missing file).
#include <stdexcept>
#include <string>

namespace lapord::app {

class config_error : public std::runtime_error {
 public:
  config_error(std::string file, int line, const std::string& what)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + what),
        file_(std::move(file)),
        line_(line) {}

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] int line() const noexcept { return line_; }

 private:
  std::string file_;
  int line_;
};

}  // namespace lapord::app
