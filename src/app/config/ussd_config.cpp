#include "lapord/app/config/ussd_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include "app/config/table_reader.hpp"
#include "lapord/app/config/config_error.hpp"
#include "lapord/lapor/service.hpp"

namespace lapord::app {
namespace {

using lapor::data_error;
using lapor::ussd::limits_for;
using lapor::ussd::parse_screen_encoding;
using lapor::ussd::profile;
using lapor::ussd::screens;
using lapor::ussd::session_key_source;
using lapor::ussd::session_sequence;
using lapor::ussd::ussd_settings;

constexpr std::string_view profile_keys[] = {"begin_ops",
                                             "continue_ops",
                                             "end_ops",
                                             "abort_ops",
                                             "unknown_op_aborts",
                                             "reply_continue_op",
                                             "reply_end_op",
                                             "session_key",
                                             "echo_session_info",
                                             "session_sequence",
                                             "echo_user_message_reference",
                                             "service_type",
                                             "encoding",
                                             "data_coding",
                                             "max_screen"};
constexpr std::string_view session_keys[] = {"its_session_info", "user_message_reference",
                                             "msisdn"};
constexpr std::string_view sequences[] = {"echo", "increment"};
constexpr std::string_view encodings[] = {"gsm7", "gsm7_packed", "ucs2", "latin1", "ia5"};

std::vector<std::uint8_t> ops(const table_reader& r, std::string_view key,
                              std::vector<std::uint8_t> fallback) {
  auto v = r.integers(key, 0, 255);
  if (!v) return fallback;
  std::vector<std::uint8_t> out;
  for (auto i : *v)
    out.push_back(static_cast<std::uint8_t>(i));
  return out;
}

// What the carrier says about a session: its ussd_service_op values and how it keys sessions.
void read_session(const table_reader& r, profile& p) {
  p.begin_ops = ops(r, "begin_ops", p.begin_ops);
  p.continue_ops = ops(r, "continue_ops", p.continue_ops);
  p.end_ops = ops(r, "end_ops", p.end_ops);
  p.abort_ops = ops(r, "abort_ops", p.abort_ops);
  p.unknown_op_aborts = r.boolean("unknown_op_aborts").value_or(p.unknown_op_aborts);
  r.count("reply_continue_op", 0, 255, p.reply_continue_op);
  r.count("reply_end_op", 0, 255, p.reply_end_op);
  if (auto key = r.choice("session_key", session_keys)) {
    p.session_key = *key == "its_session_info"         ? session_key_source::its_session_info
                    : *key == "user_message_reference" ? session_key_source::user_message_reference
                                                       : session_key_source::msisdn;
  }
  p.echo_session_info = r.boolean("echo_session_info").value_or(p.echo_session_info);
  p.sequence = r.choice("session_sequence", sequences).value_or("echo") == "echo"
                   ? session_sequence::echo
                   : session_sequence::increment;
  p.echo_user_message_reference =
      r.boolean("echo_user_message_reference").value_or(p.echo_user_message_reference);
}

profile read_profile(const toml::table& t, const std::string& file, const std::string& name) {
  const table_reader r(&t, file, "[ussd.profiles." + name + "]", profile_keys);
  profile p;
  p.name = name;
  read_session(r, p);
  p.service_type = r.string("service_type", 5).value_or(p.service_type);
  p.encoding = *parse_screen_encoding(r.choice("encoding", encodings).value_or("gsm7"));
  if (auto v = r.integer("data_coding", 0, 255)) p.data_coding = static_cast<std::uint8_t>(*v);
  p.max_screen = static_cast<std::size_t>(r.integer("max_screen", 1, 1000).value_or(182));
  try {
    check(p);
  } catch (const std::invalid_argument& ex) {
    r.fail_table(ex.what());
  }
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

namespace {

constexpr std::string_view ussd_keys[] = {"screens", "timeout_s", "max_dialogues", "profiles"};

// [ussd.profiles.NAME] tables, over the built-in "default".
void read_profiles(const table_reader& r, const toml::table& ussd, ussd_settings& s) {
  const toml::node* pn = ussd.get("profiles");
  if (pn == nullptr) return;
  const toml::table* profiles = pn->as_table();
  if (profiles == nullptr) r.fail("profiles", "must be a table of [ussd.profiles.NAME] tables");
  for (auto&& [key, value] : *profiles) {
    const std::string name(key.str());
    const toml::table* pt = value.as_table();
    if (pt == nullptr) not_a_table(r.file(), line_of(value), name, "[ussd.profiles." + name + "]");
    s.profiles.insert_or_assign(name, read_profile(*pt, r.file(), name));
  }
}

// Each [[carrier]]'s ussd_profile (the daemon's reader checks the rest of the table).
void read_carrier_profiles(const toml::table& document, const std::string& file, ussd_settings& s) {
  const toml::array* carriers = document.get_as<toml::array>("carrier");
  if (carriers == nullptr) return;
  std::size_t index = 0;
  for (const toml::node& c : *carriers) {
    const toml::table* ct = c.as_table();
    const std::size_t place = index++;
    if (ct == nullptr) continue;  // the daemon's reader reports a malformed [[carrier]]
    const std::string where = carrier_label(*ct, place);
    const toml::node* chosen = ct->get("ussd_profile");
    if (chosen == nullptr) continue;
    const auto* value = chosen->as_string();
    if (value == nullptr) {
      throw config_error(
          file, line_of(*chosen),
          where + " ussd_profile must be a string, got " + shown("ussd_profile", *chosen));
    }
    if (!s.profiles.contains(value->get())) {
      throw config_error(file, line_of(*chosen),
                         where + " ussd_profile \"" + value->get() + "\" is not a [ussd.profiles." +
                             value->get() + "] table");
    }
    const auto* name = ct->get_as<std::string>("name");
    s.carrier_profiles.insert_or_assign(name != nullptr ? name->get() : std::string(),
                                        value->get());
  }
}

}  // namespace

ussd_settings read_ussd_section(const toml::table& document, const std::string& file) {
  ussd_settings s;
  s.file = file;
  s.profiles.emplace("default", profile{});
  const std::filesystem::path folder = std::filesystem::path(file).parent_path();

  const table_reader r(document, "ussd", file, ussd_keys);
  const std::string screens_name = r.string("screens").value_or("ussd-id.txt");
  s.line_of_screens = r.line("screens");
  s.timeout = std::chrono::seconds(r.integer("timeout_s", 10, 3600).value_or(180));
  s.max_dialogues =
      static_cast<std::size_t>(r.integer("max_dialogues", 1, 10'000'000).value_or(100'000));
  if (r.present()) read_profiles(r, *document.get_as<toml::table>("ussd"), s);
  std::filesystem::path screens_path(screens_name);
  s.screens = screens_path.is_absolute() ? screens_path.string() : (folder / screens_path).string();
  read_carrier_profiles(document, file, s);
  return s;
}

screens load_screens(const ussd_settings& settings, const lapor::service& service) {
  std::string text;
  try {
    text = read_file(settings.screens);
  } catch (const std::exception&) {
    throw config_error(settings.file, settings.line_of_screens,
                       unreadable_file_text("[ussd] screens", settings.screens));
  }
  try {
    screens loaded = screens::load(text, settings.screens, limits_for(service));
    for (auto& [name, p] : settings.profiles) {
      loaded.check_fits(p.encoding, p.max_screen, "profile " + name + "'s max_screen");
    }
    return loaded;
  } catch (const data_error& e) {
    throw config_error(e.source(), e.line(), e.message());
  }
}

}  // namespace lapord::app
