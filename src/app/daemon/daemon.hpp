#pragma once
// lapord as a process: read the configuration, set up logging, start every carrier's binds on
// the network thread, and handle the signals (SIGTERM/SIGINT drain and exit 0, SIGHUP reloads
// what is safe to reload: see config_reload.hpp).
#include <functional>
#include <memory>
#include <string>

#include "app/daemon/logging.hpp"
#include "lapord/app/config/config.hpp"
#include "lapord/app/wiring/daemon_hooks.hpp"
#include "lapord/net/mo_handler.hpp"
#include "lapord/net/mt_sender.hpp"

namespace lapord::app {

struct daemon_options {
  std::string config_path;
  bool check_only = false;  // --check-config: read and check, print one line, exit
};

// Builds the MO handler of the running daemon. `replies` sends MT on the carriers' binds (it
// only works once the daemon runs: do not submit from inside the factory). `hooks` gives the
// daemon's metrics, health facts and operations; it and what it points to outlive the handler.
// An empty factory, or one returning nullptr, gives the logging handler (every MO answered
// ESME_ROK). A factory may throw config_error (exit 2, its one line on stderr) or another
// exception (exit 1).
using mo_handler_factory = std::function<std::unique_ptr<net::mo_handler>(
    const daemon_config& config, net::mt_sender& replies, log_output& logs,
    const daemon_hooks& hooks)>;

// Exit codes: 0 after a clean stop (or a good --check-config), 2 for a configuration error (one
// line on stderr: "lapord: FILE:LINE: what"), 1 for anything else that stops the start.
int run_daemon(const daemon_options& options, const mo_handler_factory& make_handler = {});

}  // namespace lapord::app
