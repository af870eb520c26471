// lapord --config PATH [--check-config]
#include <CLI/CLI.hpp>

#include "app/daemon/daemon.hpp"
#include "lapord/app/wiring/pipeline.hpp"

int main(int argc, char** argv) {
  CLI::App app{"lapord: the SMS/USSD gateway of SP4N-LAPOR! (see docs/daemon.md)"};
  lapord::app::daemon_options options;
  app.add_option("--config", options.config_path, "the configuration file (TOML)")->required();
  app.add_flag("--check-config", options.check_only,
               "check the configuration, print one line and exit (0 good, 2 bad)");
  CLI11_PARSE(app, argc, argv);
  // The store-backed MO path; nullptr (no [store] table) keeps the logging handler.
  return lapord::app::run_daemon(
      options, [](const lapord::app::daemon_config& config, lapord::net::mt_sender& replies,
                  lapord::app::log_output& logs, const lapord::app::daemon_hooks& hooks) {
        return lapord::app::make_pipeline(
            config.document, config.file, replies,
            [&logs](const std::string& name) { return logs.logger(name); }, hooks);
      });
}
