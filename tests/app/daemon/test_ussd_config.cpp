// The [ussd] table: profiles, carriers' choice, the screens file, and one-line errors.
#include <doctest/doctest.h>

#include <filesystem>

#include "lapord/app/config/ussd_config.hpp"
#include "ussd/fixture.hpp"

namespace lapord::lapor::ussd {
namespace {

using app::load_screens;
using app::read_ussd_section;

ussd_settings parse(std::string_view text, const std::string& file = "/etc/lapord/lapord.toml") {
  return read_ussd_section(toml::parse(text, file), file);
}

// The config_error's what() for `text`, or "" when it loads.
std::string error_of(std::string_view text) {
  try {
    (void)parse(text);
  } catch (const app::config_error& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("no [ussd] table: the default profile, 180 s, the shipped screens file") {
  ussd_settings s = parse("[daemon]\ntest_echo = false\n");
  CHECK(s.timeout == std::chrono::seconds(180));
  CHECK(s.max_dialogues == 100'000);
  CHECK(s.screens == "/etc/lapord/ussd-id.txt");
  REQUIRE(s.profiles.size() == 1);
  const profile& p = s.profile_for("tsel");
  CHECK(p == profile{});
  CHECK(p.begin_ops == std::vector<std::uint8_t>{1});
  CHECK(p.continue_ops == std::vector<std::uint8_t>{18});
  CHECK(p.abort_ops == std::vector<std::uint8_t>{0x81});
  CHECK(p.reply_continue_op == 2);
  CHECK(p.reply_end_op == 17);
  CHECK(p.session_key == session_key_source::its_session_info);
  CHECK(p.echo_session_info);
  CHECK(p.service_type == "USSD");
  CHECK(p.encoding == screen_encoding::gsm7);
  CHECK(p.max_screen == 182);
}

TEST_CASE("profiles and the carriers that choose them") {
  ussd_settings s = parse(R"(
[ussd]
screens = "/srv/lapord/ussd-id.txt"
timeout_s = 120
max_dialogues = 50000

[ussd.profiles.xl]
begin_ops = [0, 1]
continue_ops = [18, 0x20]
end_ops = [19]
abort_ops = [0x81, 0x82]
unknown_op_aborts = false
reply_continue_op = 2
reply_end_op = 16
session_key = "msisdn"
echo_session_info = false
session_sequence = "increment"
echo_user_message_reference = false
service_type = ""
encoding = "ucs2"
data_coding = 8
max_screen = 160

[[carrier]]
name = "tsel"
host = "127.0.0.1"

[[carrier]]
name = "xl"
ussd_profile = "xl"
)");
  CHECK(s.screens == "/srv/lapord/ussd-id.txt");
  CHECK(s.timeout == std::chrono::seconds(120));
  CHECK(s.max_dialogues == 50'000);
  CHECK(s.profile_for("tsel").name == "default");
  const profile& xl = s.profile_for("xl");
  CHECK(xl.name == "xl");
  CHECK(xl.begin_ops == std::vector<std::uint8_t>{0, 1});
  CHECK(xl.continue_ops == std::vector<std::uint8_t>{18, 0x20});
  CHECK(xl.end_ops == std::vector<std::uint8_t>{19});
  CHECK(xl.abort_ops == std::vector<std::uint8_t>{0x81, 0x82});
  CHECK_FALSE(xl.unknown_op_aborts);
  CHECK(xl.reply_end_op == 16);
  CHECK(xl.session_key == session_key_source::msisdn);
  CHECK_FALSE(xl.echo_session_info);
  CHECK(xl.sequence == session_sequence::increment);
  CHECK_FALSE(xl.echo_user_message_reference);
  CHECK(xl.service_type.empty());
  CHECK(xl.encoding == screen_encoding::ucs2);
  CHECK(xl.data_coding == 8);
  CHECK(xl.max_screen == 160);
}

TEST_CASE("bad keys and values are one line naming file and line") {
  CHECK(error_of("[ussd]\ntimeout = 180\n") ==
        "/etc/lapord/lapord.toml:2: unknown key \"timeout\" in [ussd]");
  CHECK(error_of("[ussd]\ntimeout_s = 5\n") ==
        "/etc/lapord/lapord.toml:2: [ussd] timeout_s must be an integer from 10 to 3600, got 5");
  CHECK(error_of("[ussd.profiles.a]\nsession = \"msisdn\"\n") ==
        "/etc/lapord/lapord.toml:2: unknown key \"session\" in [ussd.profiles.a]");
  CHECK(error_of("[ussd.profiles.a]\n\nsession_key = \"imsi\"\n") ==
        "/etc/lapord/lapord.toml:3: [ussd.profiles.a] session_key must be one of "
        "its_session_info, user_message_reference, msisdn, got \"imsi\"");
  CHECK(error_of("[ussd.profiles.a]\nabort_ops = [256]\n") ==
        "/etc/lapord/lapord.toml:2: [ussd.profiles.a] abort_ops must be an array of integers "
        "from 0 to 255, got an element 256");
  CHECK(error_of("[ussd.profiles.a]\nencoding = \"utf8\"\n") ==
        "/etc/lapord/lapord.toml:2: [ussd.profiles.a] encoding must be one of gsm7, "
        "gsm7_packed, ucs2, latin1, ia5, got \"utf8\"");
  CHECK(error_of("[ussd.profiles.a]\nservice_type = \"USSDXX\"\n") ==
        "/etc/lapord/lapord.toml:2: [ussd.profiles.a] service_type must be at most 5 "
        "characters, got 6");
  CHECK(error_of("[ussd.profiles.a]\nbegin_ops = [1]\ncontinue_ops = [1, 18]\n") ==
        "/etc/lapord/lapord.toml:1: [ussd.profiles.a] ussd_service_op 1 is listed with two "
        "meanings");
  CHECK(error_of("[ussd.profiles.a]\necho_session_info = \"yes\"\n") ==
        "/etc/lapord/lapord.toml:2: [ussd.profiles.a] echo_session_info must be true or false, "
        "got \"yes\" (a string)");
  CHECK(error_of("[ussd]\nprofiles = 3\n") ==
        "/etc/lapord/lapord.toml:2: [ussd] profiles must be a table of [ussd.profiles.NAME] "
        "tables");
  CHECK(error_of("[[carrier]]\nname = \"tsel\"\nussd_profile = \"telkomsel\"\n") ==
        "/etc/lapord/lapord.toml:3: [[carrier]] \"tsel\" ussd_profile \"telkomsel\" is not a "
        "[ussd.profiles.telkomsel] table");
  CHECK(error_of("[[carrier]]\nname = \"tsel\"\nussd_profile = 1\n") ==
        "/etc/lapord/lapord.toml:3: [[carrier]] \"tsel\" ussd_profile must be a string, got 1 "
        "(an integer)");
}

TEST_CASE("the screens file: loaded and checked against every profile") {
  const std::string config = testing::source_path("config/lapord.toml");
  ussd_settings s = parse("[ussd]\nscreens = \"ussd-id.txt\"\n", config);
  CHECK(s.screens == testing::source_path("config/ussd-id.txt"));
  screens loaded = load_screens(s, testing::real_service());
  CHECK(loaded.render(screen::ask_ref) == "Nomor tiket:");

  ussd_settings missing = parse("[ussd]\n\nscreens = \"nowhere.txt\"\n", config);
  try {
    (void)load_screens(missing, testing::real_service());
    FAIL("a missing screens file loaded");
  } catch (const app::config_error& e) {
    CHECK(e.file() == config);
    CHECK(e.line() == 3);
    CHECK(std::string(e.what()).find("nowhere.txt") != std::string::npos);
  }

  ussd_settings small =
      parse("[ussd]\nscreens = \"ussd-id.txt\"\n[ussd.profiles.small]\nmax_screen = 100\n", config);
  try {
    (void)load_screens(small, testing::real_service());
    FAIL("screens longer than a profile's max_screen loaded");
  } catch (const app::config_error& e) {
    CHECK(e.file() == testing::source_path("config/ussd-id.txt"));
    CHECK(e.line() > 0);
    CHECK(std::string(e.what()).find("profile small's max_screen allows 100") != std::string::npos);
  }
}

}  // namespace
}  // namespace lapord::lapor::ussd
