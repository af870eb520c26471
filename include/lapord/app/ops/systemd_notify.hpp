#pragma once
// sd_notify for Type=notify: READY, RELOADING, STOPPING, STATUS and WATCHDOG pings. Outside
// systemd (no NOTIFY_SOCKET) every call is a no-op that reports "not sent".
#include <chrono>
#include <optional>
#include <string_view>
#include <system_error>

namespace lapord::app::ops {

struct notify_result {
  bool sent = false;      // a datagram went to systemd
  std::error_code error;  // sd_notify failed (e.g. the socket is gone); never fatal
};

class systemd_notifier {
 public:
  // Reads WATCHDOG_USEC / WATCHDOG_PID once (sd_watchdog_enabled).
  systemd_notifier();

  // READY=1, with STATUS= when `status` is not empty: after the store is open and the
  // carrier links and HTTP server are started (not after the first bind: a carrier may be
  // down for hours, and systemd would then kill us at TimeoutStartSec).
  notify_result ready(std::string_view status = {}) const;
  // SIGHUP: reloading() before re-reading the configuration, ready() after.
  notify_result reloading() const;
  // SIGTERM received.
  notify_result stopping() const;
  // STATUS=text, shown by `systemctl status` (one line; line breaks become spaces).
  notify_result status(std::string_view text) const;
  // WATCHDOG=1: call every watchdog_interval() from the main event loop, so a stuck loop
  // stops the pings and systemd restarts lapord.
  notify_result watchdog() const;

  // Half of WatchdogSec when the watchdog is on for this process, else nullopt.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const {
    return watchdog_interval_;
  }

 private:
  std::optional<std::chrono::microseconds> watchdog_interval_;
};

}  // namespace lapord::app::ops
