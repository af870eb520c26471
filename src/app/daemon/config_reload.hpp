#pragma once
// Applying a re-read configuration to the running daemon (SIGHUP, and the admin API's reload):
// the log file is reopened, then the file is read and checked whole; what is safe to change
// without a restart is applied (the log level, the carrier list, the complaint service through
// the MO handler's reloadable), and what is only read at start is named. All or nothing: a file
// (or a data file it names) that fails its checks changes nothing. One line is logged per
// change applied and one more for what still needs a restart.
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/daemon/logging.hpp"
#include "lapord/app/config/config.hpp"
#include "lapord/app/wiring/reloadable.hpp"
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
  // Runs a function on the daemon's network thread (asio::post to its io_context).
  using network_post = std::function<void(std::function<void()>)>;
  using done_callback = std::function<void(const reload_outcome&)>;

  // `handler` may be null (the logging handler: no complaint service to reload).
  config_reloader(std::string path, config_reader read, network_post post, daemon_config& running,
                  log_output& logs, net::carrier_links& links, reloadable* handler);
  // Waits for a reload still loading files (its result is dropped: the network thread stopped).
  ~config_reloader();
  config_reloader(const config_reloader&) = delete;
  config_reloader& operator=(const config_reloader&) = delete;

  // On the network thread. Reloads run one at a time in the order asked (a SIGHUP during a
  // laporctl reload waits for it). The log file is reopened here; the file and the data files
  // it names (a dictionary takes a good part of a second) are read on a thread of their own,
  // so the binds go on meanwhile; then the changes are applied back on the network thread,
  // where `done` runs. `why` starts each log line: "SIGHUP", "reload (admin API)".
  void reload(std::string why, done_callback done);

 private:
  struct request {
    std::string why;
    done_callback done;
  };
  struct loaded;
  void next();
  void apply(const request& r, reload_outcome out, loaded& l);

  std::string path_;
  config_reader read_;
  network_post post_;
  daemon_config& running_;
  log_output& logs_;
  net::carrier_links& links_;
  reloadable* handler_;
  std::deque<request> queue_;  // network thread only
  bool busy_ = false;
  std::thread loader_;
};

}  // namespace lapord::app
