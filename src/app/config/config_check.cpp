#include "lapord/app/config/config_check.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "app/config/table_reader.hpp"
#include "lapord/app/config/service_setup.hpp"

namespace lapord::app {
namespace {

class collector {
 public:
  collector(const std::string& file, const environment_lookup& environment)
      : file_(file), environment_(environment) {}

  // Every `*_env` key of `table`: its variable must be set and not empty (an empty secret is
  // refused by every reader, so it is as missing as an unset one).
  void secrets(const toml::table& table, const std::string& where) {
    for (auto&& [key, value] : table) {
      const auto* name = value.as_string();
      if (!key.str().ends_with("_env") || name == nullptr || name->get().empty()) continue;
      const auto set = environment_(name->get());
      if (set && !set->empty()) continue;
      problems_.emplace_back(
          file_, line_of(value),
          unset_variable_text(fmt::format("{} {}", where, key.str()), name->get()) +
              (set ? " (it is empty)" : ""));
    }
  }

  // A file lapord reads at start; `path` already resolved.
  void readable(const std::string& path, int line, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (in) return;
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    problems_.emplace_back(file_, line,
                           fmt::format("{} ({})", unreadable_file_text(what, path),
                                       exists ? "permission denied" : "no such file"));
  }

  // A `*_file` key of `table` (TLS certificates and keys, a CA), relative to the config file.
  void files(const toml::table& table, const std::string& where) {
    for (auto&& [key, value] : table) {
      const auto* path = value.as_string();
      if (!key.str().ends_with("_file") || path == nullptr || path->get().empty()) continue;
      readable(resolve(file_, path->get()), line_of(value), fmt::format("{} {}", where, key.str()));
    }
  }

  void listener(const toml::table& table, const std::string& where) {
    const auto* listen = table.get_as<std::string>("listen");
    if (listen == nullptr || listen->get().empty() || listens_on_loopback(listen->get())) return;
    warnings_.push_back(fmt::format(
        "{}:{}: {} listen = \"{}\" is not on loopback, and lapord speaks plain HTTP there: put a "
        "TLS reverse proxy in front and let lapord listen on 127.0.0.1 (README, \"Behind a "
        "reverse proxy\")",
        file_, line_of(*listen), where, listen->get()));
  }

  config_findings take() { return {std::move(problems_), std::move(warnings_)}; }

 private:
  const std::string& file_;
  const environment_lookup& environment_;
  std::vector<config_error> problems_;
  std::vector<std::string> warnings_;
};

void check_carriers(const toml::table& document, collector& c) {
  const auto* carriers = document.get_as<toml::array>("carrier");
  if (carriers == nullptr) return;
  std::size_t index = 0;
  for (const toml::node& node : *carriers) {
    const auto* table = node.as_table();
    const std::size_t place = index++;
    if (table == nullptr) continue;  // the carrier reader says what is wrong with it
    const std::string where = carrier_label(*table, place);
    c.secrets(*table, where);
    c.files(*table, where);
  }
}

// The complaint service's data files, with the defaults its reader fills in. A [service] table
// its reader refuses is left to that reader's own one-line error.
void check_service_files(const toml::table& document, const std::string& file, collector& c) {
  service_section s;
  try {
    s = read_service_section(document, file);
  } catch (const config_error&) {
    return;
  }
  // A default (a key not written) points at the [service] table, or the top of the file.
  const auto* table = document.get("service");
  const int fallback = table != nullptr ? line_of(*table) : 1;
  const auto at = [fallback](int line) { return line > 0 ? line : fallback; };
  c.readable(s.directory, at(s.line_of_directory), "[service] directory");
  c.readable(s.aliases, at(s.line_of_aliases), "[service] aliases");
  c.readable(s.templates, at(s.line_of_templates), "[service] templates");
  c.readable(s.greetings, at(s.line_of_greetings), "[service] greetings");
  c.readable(s.dictionary, at(s.line_of_dictionary), "[service] dictionary");
  if (s.dictionary.ends_with(".dic")) {
    const std::string aff = s.dictionary.substr(0, s.dictionary.size() - 4) + ".aff";
    c.readable(aff, at(s.line_of_dictionary), "[service] dictionary (its .aff)");
  }
}

}  // namespace

bool listens_on_loopback(const std::string& listen) {
  const auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon == std::string::npos ? listen.size() : colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const bool ipv4 = !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
  return host == "localhost" || host == "::1" || (ipv4 && host.starts_with("127."));
}

config_findings check_environment(const toml::table& document, const std::string& file,
                                  const environment_lookup& environment) {
  collector c(file, environment);
  check_carriers(document, c);
  // Without [store] lapord runs the carrier links only: the other tables are not used.
  if (document.contains("store")) {
    for (const char* name : {"service", "store_api", "api", "admin"}) {
      if (const auto* table = document.get_as<toml::table>(name)) {
        c.secrets(*table, fmt::format("[{}]", name));
        c.files(*table, fmt::format("[{}]", name));
      }
    }
    check_service_files(document, file, c);
    if (const auto* ussd = document.get_as<toml::table>("ussd")) {
      const auto* screens = ussd->get_as<std::string>("screens");
      c.readable(resolve(file, screens != nullptr ? screens->get() : "ussd-id.txt"),
                 screens != nullptr ? line_of(*screens) : line_of(*ussd), "[ussd] screens");
    }
    for (const char* name : {"api", "admin"}) {
      if (const auto* table = document.get_as<toml::table>(name)) {
        c.listener(*table, fmt::format("[{}]", name));
      }
    }
  }
  return c.take();
}

}  // namespace lapord::app
