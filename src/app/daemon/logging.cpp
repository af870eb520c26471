#include "app/daemon/logging.hpp"

#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace lapord::app {
namespace {

// "2026-11-28T02:50:00.123Z": UTC, so lines from several machines sort together.
void append_time(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto since_epoch = msg.time.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs);
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(dest), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 millis.count());
}

std::string_view level_name(spdlog::level::level_enum level) {
  const auto& sv = spdlog::level::to_string_view(level);
  return {sv.data(), sv.size()};
}

void append_json_string(std::string_view s, spdlog::memory_buf_t& dest) {
  dest.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      dest.push_back('\\');
      dest.push_back(c);
    } else if (c == '\n') {
      dest.append(std::string_view("\\n"));
    } else if (u < 0x20 || u == 0x7f) {
      fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<unsigned>(u));
    } else {
      dest.push_back(c);
    }
  }
  dest.push_back('"');
}

class text_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append_time(msg, dest);
    dest.push_back(' ');
    dest.append(level_name(msg.level));
    dest.append(std::string_view(" ["));
    dest.append(std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    dest.append(std::string_view("] "));
    // One event, one line: a control character from a peer cannot start a fake line.
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      const auto u = static_cast<unsigned char>(c);
      dest.push_back(u < 0x20 || u == 0x7f ? '?' : c);
    }
    dest.push_back('\n');
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<text_formatter>();
  }
};

class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    dest.append(std::string_view("{\"ts\":\""));
    append_time(msg, dest);
    dest.append(std::string_view("\",\"level\":"));
    append_json_string(level_name(msg.level), dest);
    const std::string_view name(msg.logger_name.data(), msg.logger_name.size());
    if (name != "lapord") {
      const auto colon = name.find(':');
      dest.append(std::string_view(",\"carrier\":"));
      append_json_string(name.substr(0, colon), dest);
      if (colon != std::string_view::npos) {
        dest.append(std::string_view(",\"bind\":"));
        append_json_string(name.substr(colon + 1), dest);
      }
    }
    dest.append(std::string_view(",\"msg\":"));
    append_json_string(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.append(std::string_view("}\n"));
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

// An append-mode file that SIGHUP can reopen; every line is flushed so a crash loses nothing
// and a test or `tail -f` sees it at once.
class reopenable_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit reopenable_file_sink(std::string path) : path_(std::move(path)) {
    file_ = std::fopen(path_.c_str(), "ae");
    if (file_ == nullptr) throw std::runtime_error("cannot open log file " + path_);
  }
  ~reopenable_file_sink() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  reopenable_file_sink(const reopenable_file_sink&) = delete;
  reopenable_file_sink& operator=(const reopenable_file_sink&) = delete;

  bool reopen() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::FILE* fresh = std::fopen(path_.c_str(), "ae");
    if (fresh == nullptr) return false;
    std::fclose(file_);
    file_ = fresh;
    return true;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), file_);
    std::fflush(file_);
  }
  void flush_() override { std::fflush(file_); }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_json_formatter() {
  return std::make_unique<json_formatter>();
}
std::unique_ptr<spdlog::formatter> make_text_formatter() {
  return std::make_unique<text_formatter>();
}

log_output::log_output(const log_settings& settings) : settings_(settings) {
  if (settings_.file.empty()) {
    sink_ = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink_ = std::make_shared<reopenable_file_sink>(settings_.file);
  }
  sink_->set_formatter(settings_.format == log_format::json ? make_json_formatter()
                                                            : make_text_formatter());
  access_ = std::make_unique<ops::access_log>(access_options(settings_));
}

ops::access_log_options access_options(const log_settings& settings) {
  ops::access_log_options o;
  o.format =
      settings.format == log_format::json ? ops::access_format::json : ops::access_format::text;
  if (settings.access == "journal") {
    o.target = ops::access_target::journal;
  } else if (settings.access == "off") {
    o.target = ops::access_target::off;
  } else {
    o.target = ops::access_target::file;
    o.path = settings.access;
  }
  return o;
}

std::shared_ptr<spdlog::logger> log_output::logger(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& l : loggers_) {
    if (l->name() == name) return l;
  }
  auto l = std::make_shared<spdlog::logger>(name, sink_);
  l->set_level(spdlog::level::from_str(settings_.level));
  l->flush_on(spdlog::level::trace);
  loggers_.push_back(l);
  return l;
}

bool log_output::reopen() {
  const bool access = access_->reopen();
  if (auto* file = dynamic_cast<reopenable_file_sink*>(sink_.get()))
    return file->reopen() && access;
  return access;  // stderr needs no reopening
}

void log_output::set_level(const std::string& level) {
  std::lock_guard<std::mutex> lock(mutex_);
  settings_.level = level;
  for (const auto& l : loggers_)
    l->set_level(spdlog::level::from_str(level));
}

net::log_summariser::settings repeat_settings(const log_settings& settings) {
  net::log_summariser::settings s;
  s.first = settings.repeat_lines;
  s.window = settings.repeat_window;
  return s;
}

}  // namespace lapord::app
