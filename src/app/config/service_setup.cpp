#include "lapord/app/config/service_setup.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "app/config/table_reader.hpp"

namespace lapord::app {
namespace {

constexpr std::size_t min_ref_key_bytes = 16;

constexpr std::string_view known_keys[] = {"service_numbers",
                                           "directory",
                                           "aliases",
                                           "templates",
                                           "dictionary",
                                           "ref_digits",
                                           "ref_key",
                                           "ref_key_env",
                                           "hourly_limit",
                                           "duplicate_window_hours",
                                           "replies_per_hour",
                                           "country_code",
                                           "utc_offset_minutes",
                                           "greetings"};

// A data file [service] `key` names (or its default).
std::string read_file(const std::string& path, const std::string& config_file, int line,
                      std::string_view key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw config_error(config_file, line,
                       unreadable_file_text("[service] " + std::string(key), path));
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

service_section read_service_section(const toml::table& document, const std::string& file) {
  service_section s;
  s.file = file;
  s.directory = resolve(file, "directory/institutions.tsv");
  s.aliases = resolve(file, "directory/aliases.tsv");
  s.templates = resolve(file, "templates-id.txt");
  s.greetings = resolve(file, "greetings-id.txt");
  s.dictionary = "/usr/share/hunspell/id_ID.dic";
  const table_reader r(document, "service", file, known_keys);
  if (!r.present()) return s;
  if (auto v = r.strings("service_numbers")) {
    if (v->empty()) r.fail("service_numbers", "must list at least one number");
    for (auto& n : *v) {
      std::string_view digits = n;
      if (digits.starts_with('+')) digits.remove_prefix(1);
      if (!is_digits(digits)) {
        r.fail("service_numbers",
               "must hold numbers (digits, a leading + allowed), got \"" + n + "\"");
      }
    }
    s.service_numbers = std::move(*v);
  }
  // A data file: relative to the configuration file, and the line that named it.
  const auto path = [&](std::string_view key, std::string& out, int& line) {
    if (auto v = r.string(key)) {
      line = r.line(key);
      out = resolve(file, *v);
    }
  };
  path("directory", s.directory, s.line_of_directory);
  path("aliases", s.aliases, s.line_of_aliases);
  path("templates", s.templates, s.line_of_templates);
  path("greetings", s.greetings, s.line_of_greetings);
  path("dictionary", s.dictionary, s.line_of_dictionary);
  if (auto v = r.integer("ref_digits", static_cast<std::int64_t>(lapor::min_ref_digits),
                         static_cast<std::int64_t>(lapor::max_ref_digits))) {
    s.ref_digits = static_cast<std::size_t>(*v);
  }
  s.ref_key = r.string("ref_key");
  if (s.ref_key) s.line_of_ref_key = r.line("ref_key");
  s.ref_key_env = r.string("ref_key_env");
  if (s.ref_key_env && !s.ref_key) s.line_of_ref_key = r.line("ref_key_env");
  if (s.ref_key && s.ref_key_env) r.both("ref_key", "ref_key_env");
  if (s.ref_key && s.ref_key->size() < min_ref_key_bytes) {
    r.fail("ref_key", "must be at least 16 characters");
  }
  if (s.ref_key_env && s.ref_key_env->empty())
    r.fail("ref_key_env", "must name an environment variable");
  if (auto v = r.integer("hourly_limit", 1, 100000)) s.hourly_limit = static_cast<unsigned>(*v);
  if (auto v = r.integer("replies_per_hour", 1, 100000)) {
    s.replies_per_hour = static_cast<unsigned>(*v);
  }
  if (auto v = r.integer("duplicate_window_hours", 0, 24 * 365)) {
    s.duplicate_window_hours = static_cast<unsigned>(*v);
  }
  if (auto v = r.string("country_code")) {
    if (!is_digits(*v) || v->size() > 3) {
      r.fail("country_code", "must be 1 to 3 digits");
    }
    s.country_code = *v;
  }
  if (auto v = r.integer("utc_offset_minutes", -12 * 60, 14 * 60)) {
    s.utc_offset_minutes = static_cast<int>(*v);
  }
  return s;
}

service_section read_service_config_file(const std::string& path) {
  return read_service_section(parse_document_file(path), path);
}

service_setup load_service(const service_section& s, bool need_ref_key,
                           environment_lookup environment) {
  lapor::service_options options;
  options.service_numbers = s.service_numbers;
  options.ref_digits = s.ref_digits;
  options.hourly_limit = s.hourly_limit;
  options.replies_per_hour = s.replies_per_hour;
  options.duplicate_window = std::chrono::hours{s.duplicate_window_hours};
  options.country_code = s.country_code;
  options.utc_offset = std::chrono::minutes{s.utc_offset_minutes};

  std::optional<std::string> key = s.ref_key;
  if (!key && s.ref_key_env && environment) key = environment(*s.ref_key_env);
  if (need_ref_key) {
    if (!key) {
      throw config_error(s.file, s.line_of_ref_key,
                         s.ref_key_env
                             ? unset_variable_text("[service] ref_key_env", *s.ref_key_env)
                             : "missing required key \"ref_key\" (or \"ref_key_env\") "
                               "in [service]");
    }
    if (key->size() < min_ref_key_bytes) {
      // Only a key from the environment gets here: the reader refuses a short ref_key.
      throw config_error(s.file, s.line_of_ref_key,
                         "[service] ref_key_env variable \"" + s.ref_key_env.value_or("") +
                             "\" must hold at least 16 characters");
    }
  }

  std::string generated = read_file(s.directory, s.file, s.line_of_directory, "directory");
  std::string aliases = read_file(s.aliases, s.file, s.line_of_aliases, "aliases");
  std::string templates = read_file(s.templates, s.file, s.line_of_templates, "templates");
  std::string greetings = read_file(s.greetings, s.file, s.line_of_greetings, "greetings");
  std::string dic = read_file(s.dictionary, s.file, s.line_of_dictionary, "dictionary");
  std::string aff_path = s.dictionary;
  if (aff_path.ends_with(".dic")) aff_path.replace(aff_path.size() - 4, 4, ".aff");
  std::string aff = read_file(aff_path, s.file, s.line_of_dictionary, "dictionary (its .aff)");

  try {
    auto dir = lapor::directory::load(generated, s.directory, aliases, s.aliases);
    auto replies = lapor::reply_templates::load(templates, s.templates,
                                                lapor::service::limits_for(dir, options));
    auto lead = lapor::greeting_list::load(greetings, s.greetings, dir);
    lapor::word_list words;
    try {
      words = lapor::word_list::from_hunspell(dic, aff);
    } catch (const std::runtime_error& e) {
      throw config_error(s.file, s.line_of_dictionary, aff_path + ": " + e.what());
    }
    std::optional<lapor::ref_generator> refs;
    if (key) refs.emplace(*key, s.ref_digits);
    const std::hash<std::string> hash;
    const service_sources sources{hash(generated), hash(aliases), hash(templates),
                                  hash(dic) ^ (hash(aff) << 1), hash(greetings)};
    return service_setup{lapor::service(std::move(dir), std::move(words), std::move(replies),
                                        std::move(options), std::move(lead)),
                         std::move(refs), sources};
  } catch (const lapor::data_error& e) {
    throw config_error(e.source(), e.line(), e.message());
  }
}

}  // namespace lapord::app
