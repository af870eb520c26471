#pragma once
// The [service] table of lapord.toml and building the ready complaint service from it: the
// directory, the aliases, the reply templates and the dictionary are read from the files it
// names (relative paths are relative to the configuration file's folder) and checked. Every
// problem throws lapord::app::config_error naming the file and line.
//
//   [service]
//   service_numbers = ["1708"]
//   directory = "directory/institutions.tsv"
//   aliases = "directory/aliases.tsv"
//   templates = "templates-id.txt"
//   greetings = "greetings-id.txt"                 # set aside before the command or keyword
//   dictionary = "/usr/share/hunspell/id_ID.dic"   # the .aff next to it is read too
//   ref_digits = 8
//   ref_key_env = "LAPORD_REF_KEY"                 # or ref_key = "...", never both
//   hourly_limit = 10
//   duplicate_window_hours = 24
//   country_code = "62"
//   utc_offset_minutes = 420                       # dates in replies (WIB)
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "lapord/app/config/config_error.hpp"
#include "lapord/app/config/environment.hpp"
#include "lapord/lapor/ref.hpp"
#include "lapord/lapor/service.hpp"

namespace lapord::app {

struct service_section {
  std::string file;  // the configuration file, for messages
  std::vector<std::string> service_numbers{"1708"};
  std::string directory;  // absolute or relative to the process; resolved from the config
  std::string aliases;
  std::string templates;
  std::string greetings;
  std::string dictionary;
  std::size_t ref_digits = lapor::default_ref_digits;
  std::optional<std::string> ref_key;      // the key itself (never logged)
  std::optional<std::string> ref_key_env;  // or the name of the variable that holds it
  unsigned hourly_limit = 10;
  unsigned replies_per_hour = 20;
  unsigned duplicate_window_hours = 24;
  std::string country_code = "62";
  int utc_offset_minutes = 7 * 60;
  // Lines of the keys, so that a file that fails to load points back to where it was named.
  int line_of_directory = 0;
  int line_of_aliases = 0;
  int line_of_templates = 0;
  int line_of_greetings = 0;
  int line_of_dictionary = 0;
  int line_of_ref_key = 0;
};

// Reads and checks the [service] table of `document` (the whole parsed file; a missing table
// gives the defaults). Throws config_error for an unknown key, a wrong type or a bad value.
[[nodiscard]] service_section read_service_section(const toml::table& document,
                                                   const std::string& file);

// Parses `path` with toml++ and reads its [service] table (for laporctl; the daemon passes its
// own parsed document to read_service_section).
[[nodiscard]] service_section read_service_config_file(const std::string& path);

// What the data files held when they were read (a hash of each), so a reload can tell which
// of them changed.
struct service_sources {
  std::size_t directory = 0;
  std::size_t aliases = 0;
  std::size_t templates = 0;
  std::size_t dictionary = 0;  // the .dic and its .aff
  std::size_t greetings = 0;
  bool operator==(const service_sources&) const = default;
};

struct service_setup {
  lapor::service service;
  std::optional<lapor::ref_generator> refs;  // set when a ref key was configured and found
  service_sources sources;
};

// Reads the files and builds the service. `need_ref_key`: the daemon makes refs and needs the
// key (config_error when it is missing or shorter than 16 bytes); `laporctl parse` does not.
[[nodiscard]] service_setup load_service(const service_section& section, bool need_ref_key,
                                         environment_lookup environment = process_environment);

}  // namespace lapord::app
