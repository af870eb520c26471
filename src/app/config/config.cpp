#include "lapord/app/config/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "app/config/toml_source.hpp"

namespace lapord::app {
namespace {

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// Shows a value in an error message; strings are quoted and cut so a line stays short.
std::string shown(const toml::node& node) {
  if (const auto* s = node.as_string()) {
    std::string v = s->get();
    if (v.size() > 40) v = v.substr(0, 40) + "...";
    return fmt::format("\"{}\" ({})", v, type_name(node));
  }
  if (const auto* i = node.as_integer()) return fmt::format("{} ({})", i->get(), type_name(node));
  if (const auto* f = node.as_floating_point())
    return fmt::format("{} ({})", f->get(), type_name(node));
  if (const auto* b = node.as_boolean()) return fmt::format("{} ({})", b->get(), type_name(node));
  return type_name(node);
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Reads one table, key by key, remembering where each key was so errors name its line. Keys
// not in `allowed` are refused before anything else, so a typo is reported as the typo and not
// as the key it was meant to be missing.
class table_reader {
 public:
  table_reader(const toml::table& table, std::string file, std::string where,
               std::initializer_list<std::string_view> allowed)
      : table_(table), file_(std::move(file)), where_(std::move(where)) {
    for (auto&& [key, value] : table_) {
      (void)value;
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        fail(line_of(key.source()), fmt::format("unknown key \"{}\"", key.str()));
      }
    }
  }

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw config_error(file_, line, where_.empty() ? what : where_ + ": " + what);
  }
  [[noreturn]] void fail_at(std::string_view key, const std::string& what) const {
    fail(line(key), fmt::format("{} {}", key, what));
  }

  [[nodiscard]] bool has(std::string_view key) const { return table_.contains(key); }
  [[nodiscard]] int line(std::string_view key) const {
    const auto* node = table_.get(key);
    return node != nullptr ? line_of(node->source()) : line_of(table_.source());
  }

  [[noreturn]] void missing(std::string_view key) const {
    fail(line_of(table_.source()), fmt::format("missing required key \"{}\"", key));
  }

  std::string string(std::string_view key, std::optional<std::string> fallback,
                     std::size_t max_length) const {
    const auto* node = table_.get(key);
    if (node == nullptr) {
      if (!fallback) missing(key);
      return *fallback;
    }
    const auto* s = node->as_string();
    if (s == nullptr) {
      // A mistyped secret is still a secret: name its type only.
      fail_at(key, fmt::format("must be a string, got {}",
                               key == "password" ? type_name(*node) : shown(*node)));
    }
    if (s->get().size() > max_length) {
      fail_at(key,
              fmt::format("must be at most {} characters, got {}", max_length, s->get().size()));
    }
    return s->get();
  }

  std::int64_t integer(std::string_view key, std::optional<std::int64_t> fallback, std::int64_t low,
                       std::int64_t high) const {
    const auto* node = table_.get(key);
    if (node == nullptr) {
      if (!fallback) missing(key);
      return *fallback;
    }
    const auto* i = node->as_integer();
    if (i == nullptr || i->get() < low || i->get() > high) {
      fail_at(key,
              fmt::format("must be an integer from {} to {}, got {}", low, high, shown(*node)));
    }
    return i->get();
  }

  double number(std::string_view key, double fallback, double low, double high) const {
    const auto* node = table_.get(key);
    if (node == nullptr) return fallback;
    double v = 0;
    if (const auto* i = node->as_integer()) {
      v = static_cast<double>(i->get());
    } else if (const auto* f = node->as_floating_point()) {
      v = f->get();
    } else {
      fail_at(key, fmt::format("must be a number from {} to {}, got {}", low, high, shown(*node)));
    }
    if (!std::isfinite(v) || v < low || v > high) {
      fail_at(key, fmt::format("must be a number from {} to {}, got {}", low, high, shown(*node)));
    }
    return v;
  }

  // Durations are written in seconds (fractions allowed: 0.5 is half a second).
  std::chrono::milliseconds seconds(std::string_view key, double fallback, double low,
                                    double high) const {
    const double s = number(key, fallback, low, high);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000.0)));
  }

  bool boolean(std::string_view key, bool fallback) const {
    const auto* node = table_.get(key);
    if (node == nullptr) return fallback;
    const auto* b = node->as_boolean();
    if (b == nullptr) fail_at(key, fmt::format("must be true or false, got {}", shown(*node)));
    return b->get();
  }

  std::string choice(std::string_view key, std::string fallback,
                     std::initializer_list<std::string_view> choices) const {
    std::string v = string(key, fallback, 64);
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string list;
      for (auto c : choices)
        list += (list.empty() ? "" : ", ") + std::string(c);
      fail_at(key, fmt::format("must be one of {}, got \"{}\"", list, v));
    }
    return v;
  }

  std::vector<std::string> strings(std::string_view key) const {
    std::vector<std::string> out;
    const auto* node = table_.get(key);
    if (node == nullptr) return out;
    const auto* a = node->as_array();
    if (a == nullptr)
      fail_at(key, fmt::format("must be an array of strings, got {}", shown(*node)));
    for (const auto& element : *a) {
      const auto* s = element.as_string();
      if (s == nullptr) {
        fail_at(key, fmt::format("must be an array of strings, got an element {}", shown(element)));
      }
      out.push_back(s->get());
    }
    return out;
  }

 private:
  const toml::table& table_;
  std::string file_;
  std::string where_;
};

// A relative path is relative to the folder of the configuration file (as every path in it).
std::string relative_to(const std::string& config_file, const std::string& path) {
  return path.empty() ? path : resolve(config_file, path);
}

// Reads a TLS file key: resolved against the configuration's folder, and readable.
std::string tls_file(const table_reader& r, std::string_view key, const std::string& config_file) {
  const std::string written = r.string(key, "", 4096);
  const std::string path = relative_to(config_file, written);
  if (path.empty()) return path;
  std::ifstream f(path);
  if (!f) {
    r.fail_at(key, path == written
                       ? fmt::format("names a file that cannot be read: \"{}\"", path)
                       : fmt::format("names a file that cannot be read: \"{}\" (\"{}\" relative "
                                     "to the configuration file)",
                                     path, written));
  }
  return path;
}

// source_ton, source_npi, source_addr: the sender of this carrier's replies.
void read_reply_source(const table_reader& r, net::carrier_settings& c) {
  if (r.has("source_ton"))
    c.source_ton = static_cast<std::uint8_t>(r.integer("source_ton", 0, 0, 6));
  if (r.has("source_npi")) {
    c.source_npi = static_cast<std::uint8_t>(r.integer("source_npi", 0, 0, 18));
  }
  if (!r.has("source_addr")) return;
  // SMPP 3.4 submit_sm source_addr: 21 octets with the NUL.
  c.source_addr = r.string("source_addr", std::nullopt, 20);
  const bool digits =
      !c.source_addr.empty() && std::all_of(c.source_addr.begin(), c.source_addr.end(),
                                            [](char ch) { return ch >= '0' && ch <= '9'; });
  if (c.source_ton == 5) {  // alphanumeric (GSM 03.40: at most 11 characters)
    if (c.source_addr.empty() || c.source_addr.size() > 11 || !printable_ascii(c.source_addr)) {
      r.fail_at("source_addr",
                "must be 1 to 11 printable ASCII characters with source_ton = 5 (alphanumeric)");
    }
  } else if (!digits) {
    r.fail_at("source_addr",
              fmt::format("must be 1 to 20 digits (a sender name like \"{}\" needs source_ton = "
                          "5, alphanumeric)",
                          printable_ascii(c.source_addr) ? c.source_addr : "(non-ASCII)"));
  }
}

// name, host, port and what the bind_transceiver (or the pair of binds) carries.
void read_login(const table_reader& r, net::carrier_settings& c,
                const environment_lookup& environment) {
  c.name = r.string("name", std::nullopt, 32);
  if (c.name.empty() || !std::all_of(c.name.begin(), c.name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '-' || ch == '_' || ch == '.';
      })) {
    r.fail_at("name", "must be 1 to 32 letters, digits, '-', '_' or '.'");
  }
  c.host = r.string("host", std::nullopt, 253);
  if (c.host.empty() || !printable_ascii(c.host) || c.host.find(' ') != std::string::npos) {
    r.fail_at("host", "must be a host name or IP address");
  }
  c.port = static_cast<std::uint16_t>(r.integer("port", std::nullopt, 1, 65535));
  // SMPP 3.4 C-Octet String sizes (5.2): system_id 16, password 9, system_type 13,
  // address_range 41 octets, each including the terminating NUL.
  c.system_id = r.string("system_id", std::nullopt, 15);
  if (c.system_id.empty() || !printable_ascii(c.system_id)) {
    r.fail_at("system_id", "must be 1 to 15 printable ASCII characters");
  }
  if (r.has("password") && r.has("password_env")) {
    r.fail(r.line("password_env"), "give exactly one of \"password\" or \"password_env\"");
  }
  if (!r.has("password") && !r.has("password_env")) {
    r.fail(r.line("password"), "missing required key \"password\" (or \"password_env\")");
  }
  if (r.has("password")) {
    c.password = r.string("password", std::nullopt, 8);
    if (!printable_ascii(c.password)) r.fail_at("password", "must be printable ASCII");
  } else {
    const std::string variable = r.string("password_env", std::nullopt, 255);
    const auto value = environment(variable);
    if (!value) {
      r.fail_at("password_env",
                fmt::format("names the environment variable \"{}\", which is not set", variable));
    }
    // The value itself is never shown: it is a secret.
    if (value->size() > 8 || !printable_ascii(*value)) {
      r.fail_at("password_env", fmt::format("variable \"{}\" must hold at most 8 printable ASCII "
                                            "characters (SMPP 3.4 password)",
                                            variable));
    }
    c.password = *value;
  }
  c.system_type = r.string("system_type", "", 12);
  if (!printable_ascii(c.system_type)) r.fail_at("system_type", "must be printable ASCII");
  // "transmitter+receiver" too: lapord's log lines spelt it so before 2026-12.
  c.bind_written = r.choice("bind", "transceiver",
                            {"transceiver", "transmitter_receiver", "transmitter+receiver"});
  c.mode = c.bind_written == "transceiver" ? net::bind_mode::transceiver
                                           : net::bind_mode::transmitter_receiver;
  c.addr_ton = static_cast<std::uint8_t>(r.integer("addr_ton", 0, 0, 6));
  c.addr_npi = static_cast<std::uint8_t>(r.integer("addr_npi", 0, 0, 18));
  c.address_range = r.string("address_range", "", 40);
  if (!printable_ascii(c.address_range)) r.fail_at("address_range", "must be printable ASCII");
}

// Timers, window, flow control and reconnection.
void read_timing(const table_reader& r, net::carrier_settings& c) {
  c.connect_timeout = r.seconds("connect_timeout_s", 10, 0.01, 600);
  c.enquire_link_interval = r.seconds("enquire_link_interval_s", 30, 0.05, 3600);
  c.response_timeout = r.seconds("response_timeout_s", 10, 0.01, 600);
  c.window = static_cast<std::uint32_t>(r.integer("window", 10, 1, 1000));
  c.max_mo_in_flight = static_cast<std::uint32_t>(r.integer("max_mo_in_flight", 200, 1, 10'000));
  c.submit_rate = r.number("submit_rate", 50, 0.01, 100'000);
  c.submit_burst = static_cast<std::uint32_t>(r.integer("submit_burst", 1, 1, 10'000));
  c.throttle_pause = r.seconds("throttle_pause_s", 1, 0.01, 600);
  c.reconnect_min = r.seconds("reconnect_min_s", 1, 0.01, 3600);
  c.reconnect_max = r.seconds("reconnect_max_s", 60, 0.01, 86'400);
  if (c.reconnect_max < c.reconnect_min) {
    r.fail_at("reconnect_max_s", "must not be less than reconnect_min_s");
  }
}

// tls and its files (resolved against the configuration's folder, readable).
void read_tls(const table_reader& r, net::carrier_settings& c, const std::string& file) {
  c.tls.enabled = r.boolean("tls", false);
  for (std::string_view key : {"tls_ca_file", "tls_cert_file", "tls_key_file", "tls_server_name"}) {
    if (!c.tls.enabled && r.has(key)) r.fail_at(key, "is set but tls is not true");
  }
  c.tls.ca_file = tls_file(r, "tls_ca_file", file);
  c.tls.cert_file = tls_file(r, "tls_cert_file", file);
  c.tls.key_file = tls_file(r, "tls_key_file", file);
  c.tls.server_name = r.string("tls_server_name", "", 253);
  if (c.tls.cert_file.empty() != c.tls.key_file.empty()) {
    r.fail_at(c.tls.cert_file.empty() ? "tls_key_file" : "tls_cert_file",
              "needs tls_cert_file and tls_key_file together");
  }
}

// The numbers this carrier delivers MO for (absent: the [service] default).
void read_service_numbers(const table_reader& r, net::carrier_settings& c) {
  c.service_numbers = r.strings("service_numbers");
  if (r.has("service_numbers") && c.service_numbers.empty()) {
    r.fail_at("service_numbers", "must list at least one number (or be left out for the default)");
  }
  for (const auto& number : c.service_numbers) {
    if (number.size() < 3 || number.size() > 8 ||
        !std::all_of(number.begin(), number.end(),
                     [](char ch) { return ch >= '0' && ch <= '9'; })) {
      r.fail_at("service_numbers",
                fmt::format("must hold short codes of 3 to 8 digits, got \"{}\"",
                            printable_ascii(number) ? number : std::string("(non-ASCII)")));
    }
  }
}

net::carrier_settings read_carrier(const toml::table& table, const std::string& file, int index,
                                   const environment_lookup& environment) {
  // Until the name is known, errors say which [[carrier]] table (1-based) they are in.
  std::string where = fmt::format("[[carrier]] #{}", index + 1);
  if (const auto* n = table.get_as<std::string>("name"))
    where = fmt::format("[[carrier]] \"{}\"", n->get());
  table_reader r(table, file, where,
                 {"name",
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
                  "ussd_profile"});  // read with [ussd] (read_ussd_section, ussd_config.cpp)
  net::carrier_settings c;
  read_login(r, c, environment);
  read_timing(r, c);
  read_tls(r, c, file);
  read_service_numbers(r, c);
  const auto form =
      text::receipt_id_form_of(r.choice("receipt_id", "auto", {"auto", "hex", "decimal", "as_is"}));
  c.receipt_id = form.value_or(text::receipt_id_form::automatic);
  read_reply_source(r, c);
  return c;
}

void read_daemon(const toml::table& table, const std::string& file, daemon_settings& d) {
  table_reader r(table, file, "[daemon]", {"shutdown_timeout_s", "test_echo", "max_pdu_size"});
  d.shutdown_timeout = r.seconds("shutdown_timeout_s", 10, 0.1, 600);
  d.test_echo = r.boolean("test_echo", false);
  d.max_pdu_size = static_cast<std::uint32_t>(r.integer("max_pdu_size", 65'536, 1024, 1 << 24));
}

void read_log(const toml::table& table, const std::string& file, log_settings& l) {
  table_reader r(table, file, "[log]", {"level", "format", "file", "access"});
  l.level =
      r.choice("level", "info", {"trace", "debug", "info", "warn", "error", "critical", "off"});
  l.format =
      r.choice("format", "text", {"text", "json"}) == "json" ? log_format::json : log_format::text;
  l.file = r.string("file", "", 4096);
  l.access = r.string("access", "journal", 4096);
  if (l.access.empty()) r.fail_at("access", "must be \"journal\", \"off\" or a file path");
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read at start
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

daemon_config parse_config(std::string_view text, const std::string& file,
                           environment_lookup environment) {
  daemon_config config;
  config.file = file;
  try {
    config.document = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    // toml++ descriptions are one line; keep the first line in case a future one is not.
    std::string what(e.description());
    what = what.substr(0, what.find('\n'));
    throw config_error(file, line_of(e.source()), "not valid TOML: " + what);
  }
  const toml::table& root = config.document;
  for (auto&& [key, node] : root) {
    const std::string name(key.str());
    const int line = line_of(key.source());
    const bool delegated = std::find(std::begin(delegated_tables), std::end(delegated_tables),
                                     name) != std::end(delegated_tables);
    if (name == "daemon" || name == "log" || delegated) {
      if (!node.is_table())
        throw config_error(file, line, fmt::format("\"{}\" must be a table [{}]", name, name));
    } else if (name == "carrier") {
      if (!node.is_array_of_tables()) {
        throw config_error(file, line, "carriers are written as [[carrier]] tables");
      }
    } else {
      throw config_error(file, line, fmt::format("unknown table or key \"{}\"", name));
    }
  }
  if (const auto* d = root.get_as<toml::table>("daemon")) read_daemon(*d, file, config.daemon);
  if (const auto* l = root.get_as<toml::table>("log")) read_log(*l, file, config.log);

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

daemon_config load_config(const std::string& path, environment_lookup environment) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path, 0, "cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, std::move(environment));
}

void apply_default_service_numbers(daemon_config& config, const std::vector<std::string>& numbers) {
  for (auto& carrier : config.carriers) {
    if (!carrier.service_numbers.empty()) continue;
    carrier.service_numbers =
        numbers.empty() ? std::vector<std::string>{std::string(default_service_number)} : numbers;
  }
}

}  // namespace lapord::app
