#pragma once
// laporctl's subcommands. Each lives in its own file and adds itself to the CLI11 app with an
// add_*_command function; `action` is set to what runs when that subcommand was chosen.
#include <functional>

#include <CLI/CLI.hpp>

namespace lapord::app::laporctl {

using command_action = std::function<int()>;

// laporctl parse [--config PATH] [--json-in]: what the service would decide for each message.
void add_parse_command(CLI::App& app, command_action& action);
// laporctl directory generate|check: build the directory file from the area data, check one.
void add_directory_command(CLI::App& app, command_action& action);
// laporctl [--admin URL] [--token T] [--config PATH] [--json] [--unmask] status | complaints
// list|show | parked list|retry|drop | send | reload: the running daemon's admin API.
void add_admin_commands(CLI::App& app, command_action& action);
// laporctl store copy --from PATH.db [--to-env VAR]: an SQLite store into an empty PostgreSQL one.
void add_store_command(CLI::App& app, command_action& action);

inline constexpr const char* default_config_path = "/etc/lapord/lapord.toml";

}  // namespace lapord::app::laporctl
