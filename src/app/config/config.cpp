#include "lapord/app/config/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "app/config/table_reader.hpp"
#include "lapord/app/config/config_error.hpp"

namespace lapord::app {
namespace {

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Reads a TLS file key: resolved against the configuration's folder, and readable.
std::string tls_file(const table_reader& r, std::string_view key) {
  const std::string written = r.string(key).value_or("");
  if (written.empty()) return written;
  const std::string path = resolve(r.file(), written);
  std::ifstream f(path);
  if (!f) {
    const std::string text = unreadable_file_text(fmt::format("{} {}", r.where(), key), path);
    throw config_error(
        r.file(), r.line(key),
        path == written
            ? text
            : fmt::format("{} (\"{}\" relative to the configuration file)", text, written));
  }
  return path;
}

// source_ton, source_npi, source_addr: the sender of this carrier's replies.
void read_reply_source(const table_reader& r, net::carrier_settings& c) {
  if (auto v = r.integer("source_ton", 0, 6)) c.source_ton = static_cast<std::uint8_t>(*v);
  if (auto v = r.integer("source_npi", 0, 18)) c.source_npi = static_cast<std::uint8_t>(*v);
  if (!r.has("source_addr")) return;
  // SMPP 3.4 submit_sm source_addr: 21 octets with the NUL.
  c.source_addr = r.required_string("source_addr", 20);
  const bool digits =
      !c.source_addr.empty() && std::all_of(c.source_addr.begin(), c.source_addr.end(),
                                            [](char ch) { return ch >= '0' && ch <= '9'; });
  if (c.source_ton == 5) {  // alphanumeric (GSM 03.40: at most 11 characters)
    if (c.source_addr.empty() || c.source_addr.size() > 11 || !printable_ascii(c.source_addr)) {
      r.fail("source_addr",
             "must be 1 to 11 printable ASCII characters with source_ton = 5 (alphanumeric)");
    }
  } else if (!digits) {
    r.fail("source_addr",
           fmt::format("must be 1 to 20 digits (a sender name like \"{}\" needs source_ton = "
                       "5, alphanumeric)",
                       printable_ascii(c.source_addr) ? c.source_addr : "(non-ASCII)"));
  }
}

// password, or password_env and the variable it names.
void read_password(const table_reader& r, net::carrier_settings& c,
                   const environment_lookup& environment) {
  if (r.has("password") && r.has("password_env")) r.both("password", "password_env");
  if (!r.has("password") && !r.has("password_env")) {
    throw config_error(
        r.file(), r.table_line(),
        fmt::format("missing required key \"password\" (or \"password_env\") in {}", r.where()));
  }
  if (r.has("password")) {
    c.password = r.required_string("password", 8);
    if (!printable_ascii(c.password)) r.fail("password", "must be printable ASCII");
    return;
  }
  const std::string variable = r.required_string("password_env", 255);
  const auto value = environment(variable);
  if (!value) r.unset_variable("password_env", variable);
  // The value itself is never shown: it is a secret.
  if (value->size() > 8 || !printable_ascii(*value)) {
    r.fail("password_env", fmt::format("variable \"{}\" must hold at most 8 printable ASCII "
                                       "characters (SMPP 3.4 password)",
                                       variable));
  }
  c.password = *value;
}

constexpr std::string_view bind_choices[] = {"transceiver", "transmitter_receiver",
                                             "transmitter+receiver"};

// name, host, port and what the bind_transceiver (or the pair of binds) carries.
void read_login(const table_reader& r, net::carrier_settings& c,
                const environment_lookup& environment) {
  c.name = r.required_string("name", 32);
  if (c.name.empty() || !std::all_of(c.name.begin(), c.name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '-' || ch == '_' || ch == '.';
      })) {
    r.fail("name", "must be 1 to 32 letters, digits, '-', '_' or '.'");
  }
  c.host = r.required_string("host", 253);
  if (c.host.empty() || !printable_ascii(c.host) || c.host.find(' ') != std::string::npos) {
    r.fail("host", "must be a host name or IP address");
  }
  if (!r.has("port")) r.missing("port");
  r.count("port", 1, 65535, c.port);
  // SMPP 3.4 C-Octet String sizes (5.2): system_id 16, password 9, system_type 13,
  // address_range 41 octets, each including the terminating NUL.
  c.system_id = r.required_string("system_id", 15);
  if (c.system_id.empty() || !printable_ascii(c.system_id)) {
    r.fail("system_id", "must be 1 to 15 printable ASCII characters");
  }
  read_password(r, c, environment);
  c.system_type = r.string("system_type", 12).value_or("");
  if (!printable_ascii(c.system_type)) r.fail("system_type", "must be printable ASCII");
  // "transmitter+receiver" too: lapord's log lines spelt it so before 2026-12.
  c.bind_written = r.choice("bind", bind_choices).value_or("transceiver");
  c.mode = c.bind_written == "transceiver" ? net::bind_mode::transceiver
                                           : net::bind_mode::transmitter_receiver;
  r.count("addr_ton", 0, 6, c.addr_ton);
  r.count("addr_npi", 0, 18, c.addr_npi);
  c.address_range = r.string("address_range", 40).value_or("");
  if (!printable_ascii(c.address_range)) r.fail("address_range", "must be printable ASCII");
}

// Timers, window, flow control and reconnection.
void read_timing(const table_reader& r, net::carrier_settings& c) {
  using std::chrono::seconds;
  c.connect_timeout = r.seconds("connect_timeout_s", 0.01, 600).value_or(seconds(10));
  c.enquire_link_interval = r.seconds("enquire_link_interval_s", 0.05, 3600).value_or(seconds(30));
  c.response_timeout = r.seconds("response_timeout_s", 0.01, 600).value_or(seconds(10));
  c.window = static_cast<std::uint32_t>(r.integer("window", 1, 1000).value_or(10));
  c.max_mo_in_flight =
      static_cast<std::uint32_t>(r.integer("max_mo_in_flight", 1, 10'000).value_or(200));
  c.submit_rate = r.number("submit_rate", 0.01, 100'000).value_or(50);
  c.submit_burst = static_cast<std::uint32_t>(r.integer("submit_burst", 1, 10'000).value_or(1));
  c.throttle_pause = r.seconds("throttle_pause_s", 0.01, 600).value_or(seconds(1));
  c.reconnect_min = r.seconds("reconnect_min_s", 0.01, 3600).value_or(seconds(1));
  c.reconnect_max = r.seconds("reconnect_max_s", 0.01, 86'400).value_or(seconds(60));
  if (c.reconnect_max < c.reconnect_min) {
    r.fail("reconnect_max_s", "must not be less than reconnect_min_s");
  }
}

// tls and its files (resolved against the configuration's folder, readable).
void read_tls(const table_reader& r, net::carrier_settings& c) {
  c.tls.enabled = r.boolean("tls").value_or(false);
  for (std::string_view key : {"tls_ca_file", "tls_cert_file", "tls_key_file", "tls_server_name"}) {
    if (!c.tls.enabled && r.has(key)) r.fail(key, "is set but tls is not true");
  }
  c.tls.ca_file = tls_file(r, "tls_ca_file");
  c.tls.cert_file = tls_file(r, "tls_cert_file");
  c.tls.key_file = tls_file(r, "tls_key_file");
  c.tls.server_name = r.string("tls_server_name", 253).value_or("");
  if (c.tls.cert_file.empty() != c.tls.key_file.empty()) {
    r.fail(c.tls.cert_file.empty() ? "tls_key_file" : "tls_cert_file",
           "needs tls_cert_file and tls_key_file together");
  }
}

// The numbers this carrier delivers MO for (absent: the [service] default).
void read_service_numbers(const table_reader& r, net::carrier_settings& c) {
  c.service_numbers = r.strings("service_numbers").value_or(std::vector<std::string>{});
  if (r.has("service_numbers") && c.service_numbers.empty()) {
    r.fail("service_numbers", "must list at least one number (or be left out for the default)");
  }
  for (const auto& number : c.service_numbers) {
    if (number.size() < 3 || number.size() > 8 ||
        !std::all_of(number.begin(), number.end(),
                     [](char ch) { return ch >= '0' && ch <= '9'; })) {
      r.fail("service_numbers",
             fmt::format("must hold short codes of 3 to 8 digits, got \"{}\"",
                         printable_ascii(number) ? number : std::string("(non-ASCII)")));
    }
  }
}

constexpr std::string_view carrier_keys[] = {
    "name",
    "host",
    "port",
    "system_id",
    "password",
    "password_env",
    "system_type",
    "bind",
    "addr_ton",
    "addr_npi",
    "address_range",
    "connect_timeout_s",
    "enquire_link_interval_s",
    "response_timeout_s",
    "window",
    "max_mo_in_flight",
    "submit_rate",
    "submit_burst",
    "throttle_pause_s",
    "reconnect_min_s",
    "reconnect_max_s",
    "tls",
    "tls_ca_file",
    "tls_cert_file",
    "tls_key_file",
    "tls_server_name",
    "service_numbers",
    "receipt_id",
    "source_addr",
    "source_ton",
    "source_npi",
    "ussd_profile"};  // read with [ussd] (read_ussd_section, ussd_config.cpp)

constexpr std::string_view receipt_id_choices[] = {"auto", "hex", "decimal", "as_is"};

net::carrier_settings read_carrier(const toml::table& table, const std::string& file, int index,
                                   const environment_lookup& environment) {
  const table_reader r(&table, file, carrier_label(table, static_cast<std::size_t>(index)),
                       carrier_keys);
  net::carrier_settings c;
  read_login(r, c, environment);
  read_timing(r, c);
  read_tls(r, c);
  read_service_numbers(r, c);
  const auto form =
      text::receipt_id_form_of(r.choice("receipt_id", receipt_id_choices).value_or("auto"));
  c.receipt_id = form.value_or(text::receipt_id_form::automatic);
  read_reply_source(r, c);
  return c;
}

constexpr std::string_view daemon_keys[] = {"shutdown_timeout_s", "test_echo", "max_pdu_size"};
constexpr std::string_view log_keys[] = {"level",  "format",       "file",
                                         "access", "repeat_lines", "repeat_window_s"};
constexpr std::string_view level_choices[] = {"trace", "debug",    "info", "warn",
                                              "error", "critical", "off"};
constexpr std::string_view format_choices[] = {"text", "json"};

void read_daemon(const toml::table& document, const std::string& file, daemon_settings& d) {
  const table_reader r(document, "daemon", file, daemon_keys);
  r.seconds("shutdown_timeout_s", 0.1, 600, d.shutdown_timeout);
  d.test_echo = r.boolean("test_echo").value_or(false);
  r.count("max_pdu_size", 1024, 1 << 24, d.max_pdu_size);
}

void read_log(const toml::table& document, const std::string& file, log_settings& l) {
  const table_reader r(document, "log", file, log_keys);
  l.level = r.choice("level", level_choices).value_or("info");
  l.format = r.choice("format", format_choices).value_or("text") == "json" ? log_format::json
                                                                           : log_format::text;
  l.file = r.string("file").value_or("");
  l.access = r.string("access").value_or("journal");
  if (l.access.empty()) r.fail("access", "must be \"journal\", \"off\" or a file path");
  r.count("repeat_lines", 1, 1000, l.repeat_lines);
  r.seconds("repeat_window_s", 1, 86'400, l.repeat_window);
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read at start
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

namespace {

// The top level: our tables, the tables other readers take, [[carrier]]s, and nothing else.
void check_top_level(const toml::table& root, const std::string& file) {
  for (auto&& [key, node] : root) {
    const std::string name(key.str());
    const int line = line_of(key.source());
    const bool delegated = std::find(std::begin(delegated_tables), std::end(delegated_tables),
                                     name) != std::end(delegated_tables);
    if (name == "daemon" || name == "log" || delegated) {
      if (!node.is_table()) not_a_table(file, line, name, fmt::format("[{}]", name));
    } else if (name == "carrier") {
      if (!node.is_array_of_tables()) {
        throw config_error(file, line, "carriers are written as [[carrier]] tables");
      }
    } else {
      throw config_error(file, line, fmt::format("unknown table or key \"{}\"", name));
    }
  }
}

daemon_config read_document(toml::table document, const std::string& file,
                            const environment_lookup& environment) {
  daemon_config config;
  config.file = file;
  config.document = std::move(document);
  const toml::table& root = config.document;
  check_top_level(root, file);
  read_daemon(root, file, config.daemon);
  read_log(root, file, config.log);

  const auto* carriers = root.get_as<toml::array>("carrier");
  if (carriers == nullptr || carriers->empty()) {
    throw config_error(file, 0, "no [[carrier]] table: lapord needs at least one carrier");
  }
  std::set<std::string> names;
  int index = 0;
  for (const auto& node : *carriers) {
    const auto& table = *node.as_table();
    auto carrier = read_carrier(table, file, index++, environment);
    if (!names.insert(carrier.name).second) {
      throw config_error(file, line_of(table.get("name")->source()),
                         fmt::format("[[carrier]] name \"{}\" is used twice", carrier.name));
    }
    config.carriers.push_back(std::move(carrier));
  }
  return config;
}

}  // namespace

daemon_config parse_config(std::string_view text, const std::string& file,
                           environment_lookup environment) {
  return read_document(parse_document(text, file), file, environment);
}

daemon_config load_config(const std::string& path, environment_lookup environment) {
  return read_document(parse_document_file(path), path, environment);
}

void apply_default_service_numbers(daemon_config& config, const std::vector<std::string>& numbers) {
  for (auto& carrier : config.carriers) {
    if (!carrier.service_numbers.empty()) continue;
    carrier.service_numbers =
        numbers.empty() ? std::vector<std::string>{std::string(default_service_number)} : numbers;
  }
}

}  // namespace lapord::app
