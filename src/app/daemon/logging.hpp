#pragma once
// Where lapord's log lines go (stderr or a file) and how they look (text or JSON lines). Each
// part gets its own spdlog logger whose name is on every line: "lapord" for the daemon, the
// carrier name ("tsel", or "tsel:tx"/"tsel:rx" for a transmitter + receiver pair) for a bind.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "lapord/app/config/config.hpp"
#include "lapord/app/ops/access_log.hpp"
#include "lapord/net/log_summariser.hpp"

namespace lapord::app {

class log_output {
 public:
  // Opens the file (append) if one is configured, and the access log ([log] access); throws
  // std::runtime_error when either cannot be opened.
  explicit log_output(const log_settings& settings);

  // A logger writing to this output; the same name gives the same logger.
  std::shared_ptr<spdlog::logger> logger(const std::string& name);

  // SIGHUP: close and reopen the file and the access log's so logrotate's rename takes effect.
  // Returns false (and keeps writing to the old file) when one cannot be opened again.
  bool reopen();

  // Applies a new level to every logger (a change that is safe without a restart).
  void set_level(const std::string& level);

  [[nodiscard]] const log_settings& settings() const { return settings_; }
  // The access log: one line per MO and reply, written as [log] access and format say.
  [[nodiscard]] ops::access_log& access() { return *access_; }

 private:
  log_settings settings_;
  std::shared_ptr<spdlog::sinks::sink> sink_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<spdlog::logger>> loggers_;
  std::unique_ptr<ops::access_log> access_;
};

// What [log] access and format ask of the access log.
[[nodiscard]] ops::access_log_options access_options(const log_settings& settings);

// What [log] repeat_lines and repeat_window_s ask of the log-flood summariser.
[[nodiscard]] net::log_summariser::settings repeat_settings(const log_settings& settings);

// The JSON line formatter, public for its tests:
// {"ts":..,"level":..,"carrier":..,"bind":..,"msg":..}.
std::unique_ptr<spdlog::formatter> make_json_formatter();
std::unique_ptr<spdlog::formatter> make_text_formatter();

}  // namespace lapord::app
