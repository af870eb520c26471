// lapord --config PATH [--check-config]
#include <CLI/CLI.hpp>

#include "app/daemon/daemon.hpp"

int main(int argc, char** argv) {
  CLI::App app{"lapord: the SMS/USSD gateway of SP4N-LAPOR! (see docs/daemon.md)"};
  lapord::app::daemon_options options;
  app.add_option("--config", options.config_path, "the configuration file (TOML)")->required();
  app.add_flag("--check-config", options.check_only,
               "check the configuration, print one line and exit (0 good, 2 bad)");
  CLI11_PARSE(app, argc, argv);
  return lapord::app::run_daemon(options);
}
