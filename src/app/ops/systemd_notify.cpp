#include "lapord/app/ops/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <string>

namespace lapord::app::ops {
namespace {

notify_result send(const std::string& state) {
  const int r = sd_notify(0, state.c_str());
  if (r < 0) return {false, std::error_code(-r, std::generic_category())};
  return {r > 0, {}};
}

std::string status_line(std::string_view text) {
  std::string line = "STATUS=";
  for (const char c : text)
    line += (c == '\n' || c == '\r' || c == '\0') ? ' ' : c;
  return line;
}

}  // namespace

systemd_notifier::systemd_notifier() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
  }
}

notify_result systemd_notifier::ready(std::string_view text) const {
  std::string state = "READY=1";
  if (!text.empty()) state += "\n" + status_line(text);
  return send(state);
}

notify_result systemd_notifier::reloading() const {
  return send("RELOADING=1");
}

notify_result systemd_notifier::stopping() const {
  return send("STOPPING=1");
}

notify_result systemd_notifier::status(std::string_view text) const {
  return send(status_line(text));
}

notify_result systemd_notifier::watchdog() const {
  return send("WATCHDOG=1");
}

}  // namespace lapord::app::ops
