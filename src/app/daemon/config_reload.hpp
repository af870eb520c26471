#pragma once
// Applying a re-read configuration to the running daemon (SIGHUP, and the admin API's reload):
// the log file is reopened, then the file is read and checked whole; what is safe to change
// without a restart is applied (the log level, the carrier list, the complaint service through
// the MO handler's reloadable), and what is only read at start is named. All or nothing: a file
// (or a data file it names) that fails its checks changes nothing. One line is logged per
// change applied and one more for what still needs a restart.
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/daemon/config.hpp"
#include "app/daemon/logging.hpp"
#include "lapord/app/pipeline/reloadable.hpp"
#include "lapord/net/carrier_links.hpp"

namespace lapord::app {

struct reload_outcome {
  bool logs_reopened = false;
  bool read = false;  // false: the file was refused (error says why) and nothing changed
  std::string error;
  std::vector<std::string> applied;
  std::vector<std::string> need_restart;
};

// One line for laporctl: "logs reopened; applied: A, B; needs a restart: C" and the like.
[[nodiscard]] std::string summarize(const reload_outcome& outcome);

// What differs between the running configuration and a re-read one and is only read at start:
// "[daemon]", "log.format", "log.file", and the tables of other parts except those in
// `reloaded` (the parts that reload their own tables compare them themselves). The log level
// and the carriers are not in it: a reload applies them.
[[nodiscard]] std::vector<std::string> changes_needing_restart(
    const daemon_config& running, const daemon_config& fresh,
    std::span<const std::string_view> reloaded = {});

// The log line of each carrier change ("[[carrier]] \"isat\" added (127.0.0.1:2775, ...)").
[[nodiscard]] std::vector<std::string> describe_carrier_changes(
    const std::vector<net::carrier_settings>& running,
    const std::vector<net::carrier_settings>& fresh, const net::carrier_diff& applied);

class config_reloader {
 public:
  using config_reader = std::function<daemon_config(const std::string& path)>;

  // `handler` may be null (the logging handler: no complaint service to reload).
  config_reloader(std::string path, config_reader read, daemon_config& running, log_output& logs,
                  net::carrier_links& links, reloadable* handler);

  // On the daemon's network thread (the carrier links are changed there). `why` starts each
  // log line: "SIGHUP", "reload (admin API)".
  reload_outcome reload(std::string_view why);

 private:
  std::string path_;
  config_reader read_;
  daemon_config& running_;
  log_output& logs_;
  net::carrier_links& links_;
  reloadable* handler_;
};

}  // namespace lapord::app
