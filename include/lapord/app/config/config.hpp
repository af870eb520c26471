#pragma once
// lapord's one TOML configuration file: [daemon], [log] and every [[carrier]] are read and
// checked here; tables owned by other parts ([service], [store], [store_api], [api], [ussd]) are
// kept for their own readers. Any problem throws lapord::app::config_error naming file and line.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "lapord/app/config/config_error.hpp"
#include "lapord/app/config/environment.hpp"
#include "lapord/net/carrier_settings.hpp"

namespace lapord::app {

enum class log_format { text, json };

struct log_settings {
  std::string level = "info";  // spdlog level name: trace debug info warn error critical off
  log_format format = log_format::text;
  std::string file;  // empty: stderr; a file is reopened on SIGHUP (for logrotate)
  // The access log (a line per MO and reply): "journal" (as lapord-access), "off" or a file.
  std::string access = "journal";
  // A line that repeats per failed attempt (an outage): `repeat_lines` of each kind per
  // `repeat_window`, then one "N more like this" line (net/log_flood.hpp).
  unsigned repeat_lines = 3;
  std::chrono::milliseconds repeat_window{60'000};
  bool operator==(const log_settings&) const = default;
};

struct daemon_settings {
  // How long SIGTERM waits for MO in flight and unbind_resp before closing anyway.
  std::chrono::milliseconds shutdown_timeout{10'000};
  // Test aid: answer every MO with a submit_sm back to its sender ("echo: <text>").
  bool test_echo = false;
  // Largest PDU accepted from a carrier (command_length), in octets.
  std::uint32_t max_pdu_size = 65'536;
  bool operator==(const daemon_settings&) const = default;
};

struct daemon_config {
  std::string file;
  daemon_settings daemon;
  log_settings log;
  std::vector<net::carrier_settings> carriers;
  // The whole parsed document, so the readers of other parts' tables get their lines too.
  toml::table document;
};

// Tables that belong to other parts of lapord and are checked by their own readers.
inline constexpr std::string_view delegated_tables[] = {"service", "store", "store_api",
                                                        "api",     "ussd",  "admin"};

// A password_env's variable is looked up through environment_lookup (environment.hpp).

// Reads and checks `path`. Throws config_error.
[[nodiscard]] daemon_config load_config(const std::string& path,
                                        environment_lookup environment = process_environment);

// The same over text already in memory; `file` is only used in error messages.
[[nodiscard]] daemon_config parse_config(std::string_view text, const std::string& file,
                                         environment_lookup environment = process_environment);

// A carrier that lists no service_numbers serves these: the [service] section's numbers once its
// reader is wired, else the spec's short code "1708".
void apply_default_service_numbers(daemon_config& config, const std::vector<std::string>& numbers);
inline constexpr std::string_view default_service_number = "1708";

}  // namespace lapord::app
