#include "lapord/app/config/ussd_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include "app/config/toml_source.hpp"
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

// Reads one table key by key; unknown keys are refused first so a typo is named as the typo.
class reader {
 public:
  reader(const toml::table& table, std::string file, std::string where,
         std::initializer_list<std::string_view> allowed)
      : table_(table), file_(std::move(file)), where_(std::move(where)) {
    for (auto&& [key, value] : table_) {
      (void)value;
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        fail(static_cast<int>(key.source().begin.line),
             "unknown key \"" + std::string(key.str()) + "\"");
      }
    }
  }

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw config_error(file_, line, where_ + ": " + what);
  }
  [[noreturn]] void fail_at(std::string_view key, const std::string& what) const {
    fail(line(key), std::string(key) + " " + what);
  }
  [[nodiscard]] int line(std::string_view key) const {
    const toml::node* n = table_.get(key);
    return n != nullptr ? line_of(*n) : line_of(table_);
  }

  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t low,
                       std::int64_t high) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return fallback;
    const auto* i = n->as_integer();
    if (i == nullptr || i->get() < low || i->get() > high) {
      fail_at(key,
              "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
    }
    return i->get();
  }

  bool boolean(std::string_view key, bool fallback) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return fallback;
    const auto* b = n->as_boolean();
    if (b == nullptr) fail_at(key, "must be true or false");
    return b->get();
  }

  std::string string(std::string_view key, std::string fallback, std::size_t max_length) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return fallback;
    const auto* s = n->as_string();
    if (s == nullptr) fail_at(key, "must be a string");
    if (s->get().size() > max_length) {
      fail_at(key, "must be at most " + std::to_string(max_length) + " characters");
    }
    return s->get();
  }

  std::vector<std::uint8_t> ops(std::string_view key, std::vector<std::uint8_t> fallback) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return fallback;
    const auto* a = n->as_array();
    if (a == nullptr) fail_at(key, "must be an array of ussd_service_op values (0..255)");
    std::vector<std::uint8_t> out;
    for (const toml::node& element : *a) {
      const auto* i = element.as_integer();
      if (i == nullptr || i->get() < 0 || i->get() > 255) {
        fail_at(key, "must be an array of ussd_service_op values (0..255)");
      }
      out.push_back(static_cast<std::uint8_t>(i->get()));
    }
    return out;
  }

 private:
  const toml::table& table_;
  std::string file_;
  std::string where_;
};

profile read_profile(const toml::table& t, const std::string& file, const std::string& name) {
  const std::string where = "[ussd.profiles." + name + "]";
  reader r(
      t, file, where,
      {"begin_ops", "continue_ops", "end_ops", "abort_ops", "unknown_op_aborts",
       "reply_continue_op", "reply_end_op", "session_key", "echo_session_info", "session_sequence",
       "echo_user_message_reference", "service_type", "encoding", "data_coding", "max_screen"});
  profile p;
  p.name = name;
  p.begin_ops = r.ops("begin_ops", p.begin_ops);
  p.continue_ops = r.ops("continue_ops", p.continue_ops);
  p.end_ops = r.ops("end_ops", p.end_ops);
  p.abort_ops = r.ops("abort_ops", p.abort_ops);
  p.unknown_op_aborts = r.boolean("unknown_op_aborts", p.unknown_op_aborts);
  p.reply_continue_op =
      static_cast<std::uint8_t>(r.integer("reply_continue_op", p.reply_continue_op, 0, 255));
  p.reply_end_op = static_cast<std::uint8_t>(r.integer("reply_end_op", p.reply_end_op, 0, 255));
  const std::string key = r.string("session_key", std::string(to_string(p.session_key)), 64);
  if (key == "its_session_info") {
    p.session_key = session_key_source::its_session_info;
  } else if (key == "user_message_reference") {
    p.session_key = session_key_source::user_message_reference;
  } else if (key == "msisdn") {
    p.session_key = session_key_source::msisdn;
  } else {
    r.fail_at(
        "session_key",
        "must be one of its_session_info, user_message_reference, msisdn, got \"" + key + "\"");
  }
  p.echo_session_info = r.boolean("echo_session_info", p.echo_session_info);
  const std::string seq = r.string("session_sequence", "echo", 64);
  if (seq == "echo") {
    p.sequence = session_sequence::echo;
  } else if (seq == "increment") {
    p.sequence = session_sequence::increment;
  } else {
    r.fail_at("session_sequence", "must be one of echo, increment, got \"" + seq + "\"");
  }
  p.echo_user_message_reference =
      r.boolean("echo_user_message_reference", p.echo_user_message_reference);
  p.service_type = r.string("service_type", p.service_type, 5);
  const std::string enc = r.string("encoding", "gsm7", 64);
  auto e = parse_screen_encoding(enc);
  if (!e) {
    r.fail_at("encoding",
              "must be one of gsm7, gsm7_packed, ucs2, latin1, ia5, got \"" + enc + "\"");
  }
  p.encoding = *e;
  if (t.contains("data_coding")) {
    p.data_coding = static_cast<std::uint8_t>(r.integer("data_coding", 0, 0, 255));
  }
  p.max_screen = static_cast<std::size_t>(r.integer("max_screen", 182, 1, 1000));
  try {
    check(p);
  } catch (const std::invalid_argument& ex) {
    r.fail(line_of(t), ex.what());
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

ussd_settings read_ussd_section(const toml::table& document, const std::string& file) {
  ussd_settings s;
  s.file = file;
  s.profiles.emplace("default", profile{});
  const std::filesystem::path folder = std::filesystem::path(file).parent_path();
  std::string screens_name = "ussd-id.txt";

  if (const toml::node* node = document.get("ussd")) {
    const toml::table* t = node->as_table();
    if (t == nullptr) throw config_error(file, line_of(*node), "ussd must be a table");
    reader r(*t, file, "[ussd]", {"screens", "timeout_s", "max_dialogues", "profiles"});
    screens_name = r.string("screens", screens_name, 4096);
    s.line_of_screens = t->contains("screens") ? r.line("screens") : line_of(*t);
    s.timeout = std::chrono::seconds(r.integer("timeout_s", 180, 10, 3600));
    s.max_dialogues = static_cast<std::size_t>(r.integer("max_dialogues", 100'000, 1, 10'000'000));
    if (const toml::node* pn = t->get("profiles")) {
      const toml::table* profiles = pn->as_table();
      if (profiles == nullptr) r.fail_at("profiles", "must be a table of [ussd.profiles.NAME]");
      for (auto&& [name, value] : *profiles) {
        const toml::table* pt = value.as_table();
        if (pt == nullptr) {
          throw config_error(file, line_of(value),
                             "[ussd.profiles]: " + std::string(name.str()) +
                                 " must be a table [ussd.profiles." + std::string(name.str()) +
                                 "]");
        }
        s.profiles.insert_or_assign(std::string(name.str()),
                                    read_profile(*pt, file, std::string(name.str())));
      }
    }
  }
  std::filesystem::path screens_path(screens_name);
  s.screens = screens_path.is_absolute() ? screens_path.string() : (folder / screens_path).string();

  if (const toml::node* node = document.get("carrier")) {
    if (const toml::array* carriers = node->as_array()) {
      for (const toml::node& c : *carriers) {
        const toml::table* ct = c.as_table();
        if (ct == nullptr) continue;  // the daemon's reader reports a malformed [[carrier]]
        const toml::node* chosen = ct->get("ussd_profile");
        if (chosen == nullptr) continue;
        const auto* name = ct->get_as<std::string>("name");
        const std::string carrier = name != nullptr ? name->get() : std::string();
        const auto* value = chosen->as_string();
        if (value == nullptr) {
          throw config_error(file, line_of(*chosen),
                             "[[carrier]] " + carrier + ": ussd_profile must be a string");
        }
        if (!s.profiles.contains(value->get())) {
          throw config_error(file, line_of(*chosen),
                             "[[carrier]] " + carrier + ": ussd_profile \"" + value->get() +
                                 "\" is not a [ussd.profiles." + value->get() + "] table");
        }
        s.carrier_profiles.insert_or_assign(carrier, value->get());
      }
    }
  }
  return s;
}

screens load_screens(const ussd_settings& settings, const lapor::service& service) {
  std::string text;
  try {
    text = read_file(settings.screens);
  } catch (const std::exception&) {
    throw config_error(
        settings.file, settings.line_of_screens,
        "[ussd]: screens names a file that cannot be read: \"" + settings.screens + "\"");
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
