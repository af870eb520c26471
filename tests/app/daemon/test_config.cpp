// Configuration checks: every mistake an operator can make is one config_error naming the file
// and the line where it is.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "lapord/app/config/config.hpp"

using lapord::app::config_error;
using lapord::app::parse_config;

namespace {

const char* const minimal = R"(
[[carrier]]
name = "tsel"
host = "127.0.0.1"
port = 2775
system_id = "lapord"
password = "secret"
)";

std::optional<std::string> no_environment(const std::string&) {
  return std::nullopt;
}

// Parses `text` expecting failure; returns the error's line and message.
config_error failure(const std::string& text,
                     lapord::app::environment_lookup env = no_environment) {
  try {
    (void)parse_config(text, "lapord.toml", std::move(env));
  } catch (const config_error& e) {
    return e;
  }
  FAIL("no config_error for:\n" << text);
  return config_error("", 0, "");
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a minimal carrier gets the documented defaults") {
  auto c = parse_config(minimal, "lapord.toml", no_environment);
  REQUIRE(c.carriers.size() == 1);
  const auto& k = c.carriers[0];
  CHECK(k.name == "tsel");
  CHECK(k.port == 2775);
  CHECK(k.password == "secret");
  CHECK(k.mode == lapord::net::bind_mode::transceiver);
  CHECK(k.enquire_link_interval == std::chrono::seconds(30));
  CHECK(k.response_timeout == std::chrono::seconds(10));
  CHECK(k.window == 10);
  CHECK(k.max_mo_in_flight == 200);
  CHECK(k.submit_rate == doctest::Approx(50));
  CHECK(k.reconnect_min == std::chrono::seconds(1));
  CHECK(k.reconnect_max == std::chrono::seconds(60));
  CHECK_FALSE(k.tls.enabled);
  CHECK(k.service_numbers.empty());
  CHECK(lapord::net::bind_name(k) == "transceiver");
  CHECK(k.receipt_id == lapord::text::receipt_id_form::automatic);
  CHECK(k.source_addr.empty());
  CHECK_FALSE(k.source_ton.has_value());
  CHECK_FALSE(k.source_npi.has_value());
  CHECK(c.log.level == "info");
  CHECK(c.log.format == lapord::app::log_format::text);
  CHECK(c.log.access == "journal");
  CHECK(c.log.repeat_lines == 3);
  CHECK(c.log.repeat_window == std::chrono::seconds(60));
  CHECK(c.daemon.shutdown_timeout == std::chrono::seconds(10));
  CHECK_FALSE(c.daemon.test_echo);
  lapord::app::apply_default_service_numbers(c, {});
  CHECK(c.carriers[0].service_numbers == std::vector<std::string>{"1708"});
}

TEST_CASE("the shipped example config/lapord.toml is valid, with no environment at all") {
  auto env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto c = lapord::app::load_config(std::string(LAPORD_SOURCE_DIR) + "/config/lapord.toml", env);
  CHECK(c.carriers.size() >= 2);
}

TEST_CASE("every key of a carrier is read") {
  auto c = parse_config(R"(
[daemon]
shutdown_timeout_s = 2.5
test_echo = true
max_pdu_size = 4096
[log]
level = "debug"
format = "json"
file = "/tmp/x.log"
repeat_lines = 5
repeat_window_s = 2.5
[[carrier]]
name = "xl"
host = "127.0.0.1"
port = 2776
system_id = "sys"
password_env = "XL_PW"
system_type = "VMA"
bind = "transmitter_receiver"
addr_ton = 1
addr_npi = 1
address_range = "^1708"
connect_timeout_s = 3
enquire_link_interval_s = 0.5
response_timeout_s = 0.25
window = 4
max_mo_in_flight = 50
submit_rate = 12.5
submit_burst = 3
reconnect_min_s = 0.1
reconnect_max_s = 5
service_numbers = ["1708", "17080"]
receipt_id = "decimal"
source_addr = "17080"
source_ton = 2
source_npi = 9
)",
                        "x.toml", [](const std::string& n) -> std::optional<std::string> {
                          return n == "XL_PW" ? std::optional<std::string>("pw") : std::nullopt;
                        });
  const auto& k = c.carriers.at(0);
  CHECK(k.password == "pw");
  CHECK(k.system_type == "VMA");
  CHECK(k.mode == lapord::net::bind_mode::transmitter_receiver);
  CHECK(k.addr_ton == 1);
  CHECK(k.address_range == "^1708");
  CHECK(k.connect_timeout == std::chrono::seconds(3));
  CHECK(k.enquire_link_interval == std::chrono::milliseconds(500));
  CHECK(k.response_timeout == std::chrono::milliseconds(250));
  CHECK(k.window == 4);
  CHECK(k.max_mo_in_flight == 50);
  CHECK(k.submit_rate == doctest::Approx(12.5));
  CHECK(k.submit_burst == 3);
  CHECK(k.reconnect_min == std::chrono::milliseconds(100));
  CHECK(k.reconnect_max == std::chrono::seconds(5));
  CHECK(k.service_numbers == std::vector<std::string>{"1708", "17080"});
  CHECK(k.receipt_id == lapord::text::receipt_id_form::decimal);
  CHECK(k.source_addr == "17080");
  CHECK(k.source_ton == 2);
  CHECK(k.source_npi == 9);
  CHECK(lapord::net::bind_name(k) == "transmitter_receiver");
  CHECK(c.daemon.shutdown_timeout == std::chrono::milliseconds(2500));
  CHECK(c.daemon.test_echo);
  CHECK(c.daemon.max_pdu_size == 4096);
  CHECK(c.log.level == "debug");
  CHECK(c.log.format == lapord::app::log_format::json);
  CHECK(c.log.file == "/tmp/x.log");
  CHECK(c.log.repeat_lines == 5);
  CHECK(c.log.repeat_window == std::chrono::milliseconds(2500));
}

TEST_CASE("mistakes are one line naming the file and the line") {
  struct bad {
    std::string text;
    int line;
    std::string says;
  };
  const std::string head =
      "[[carrier]]\nname = \"tsel\"\nhost = \"127.0.0.1\"\nsystem_id = \"lapord\"\n"
      "password = \"secret\"\n";  // lines 1-5; port is added by each case on line 6
  const std::vector<bad> cases = {
      {head + "port = 0\n", 6, "port must be an integer from 1 to 65535, got 0"},
      {head + "port = \"2775\"\n", 6,
       "port must be an integer from 1 to 65535, got \"2775\" (a string)"},
      {head + "port = 70000\n", 6, "port must be an integer"},
      {head + "port = 2775\nwindow = 0\n", 7, "window must be an integer from 1 to 1000"},
      {head + "port = 2775\nmax_mo_in_flight = 0\n", 7,
       "max_mo_in_flight must be an integer from 1 to 10000"},
      {head + "port = 2775\npasword = \"x\"\n", 7, "unknown key \"pasword\""},
      {head + "port = 2775\nbind = \"trx\"\n", 7,
       "bind must be one of transceiver, transmitter_receiver"},
      {head + "port = 2775\nsubmit_rate = 0\n", 7, "submit_rate must be a number"},
      {head + "port = 2775\nenquire_link_interval_s = \"30s\"\n", 7,
       "enquire_link_interval_s must be a number"},
      {head + "port = 2775\nreconnect_min_s = 10\nreconnect_max_s = 5\n", 8,
       "reconnect_max_s must not be less than reconnect_min_s"},
      {head + "port = 2775\ntls_ca_file = \"/etc/ssl/x.pem\"\n", 7,
       "tls_ca_file is set but tls is not true"},
      {head + "port = 2775\ntls = true\ntls_ca_file = \"/nonexistent/ca.pem\"\n", 8,
       "tls_ca_file names a file that cannot be read"},
      {head + "port = 2775\ntls = true\ntls_cert_file = \"/etc/hostname\"\n", 8,
       "needs tls_cert_file and tls_key_file together"},
      {head + "port = 2775\nservice_numbers = [\"17O8\"]\n", 7, "short codes of 3 to 8 digits"},
      {head + "port = 2775\nservice_numbers = []\n", 7, "must list at least one number"},
      {head + "port = 2775\naddr_ton = 9\n", 7, "addr_ton must be an integer from 0 to 6"},
      {head + "port = 2775\nreceipt_id = \"dec\"\n", 7,
       "receipt_id must be one of auto, hex, decimal, as_is, got \"dec\""},
      {head + "port = 2775\nsource_ton = 7\n", 7, "source_ton must be an integer from 0 to 6"},
      {head + "port = 2775\nsource_npi = \"1\"\n", 7, "source_npi must be an integer from 0 to 18"},
      {head + "port = 2775\nsource_addr = \"LAPOR\"\n", 7,
       "source_addr must be 1 to 20 digits (a sender name like \"LAPOR\" needs source_ton = 5"},
      {head + "port = 2775\nsource_addr = \"\"\n", 7, "source_addr must be 1 to 20 digits"},
      {head + "port = 2775\nsource_addr = \"+1708\"\n", 7, "source_addr must be 1 to 20 digits"},
      {head + "port = 2775\nsource_addr = \"123456789012345678901\"\n", 7,
       "source_addr must be at most 20 characters"},
      {head + "port = 2775\nsource_ton = 5\nsource_addr = \"LAPOR-INDONESIA\"\n", 8,
       "source_addr must be 1 to 11 printable ASCII characters with source_ton = 5"},
      {head + "port = 2775\nsystem_type = \"much-too-long-type\"\n", 7,
       "system_type must be at most 12"},
      {head + "port = 2775\npassword_env = \"X\"\n", 7,
       "password and password_env are both set: give only one"},
      {"[[carrier]]\nname = \"tsel\"\nhost = \"127.0.0.1\"\nport = 1\nsystem_id = \"lapord\"\n", 1,
       "missing required key \"password\" (or \"password_env\")"},
      {"[[carrier]]\nname = \"tsel\"\nport = 1\n", 1, "missing required key \"host\""},
      {"[[carrier]]\nhost = \"h\"\n", 1, "missing required key \"name\" in [[carrier]] #1"},
      {head +
           "port = 2775\n[[carrier]]\nname = \"tsel\"\nhost = \"h\"\nport = 1\nsystem_id = \"s\"\n"
           "password = \"p\"\n",
       8, "name \"tsel\" is used twice"},
      {head + "port = 2775\n[[carrier]]\nname = \"two\"\nhost = \"h\"\n", 7,
       "missing required key \"port\" in [[carrier]] \"two\""},
      {head + "port = 2775\n[deamon]\n", 7, "unknown table or key \"deamon\""},
      {head + "port = 2775\n[daemon]\nshutdown = 3\n", 8, "unknown key \"shutdown\" in [daemon]"},
      {head + "port = 2775\n[log]\nformat = \"xml\"\n", 8, "format must be one of text, json"},
      {head + "port = 2775\n[log]\nlevel = \"loud\"\n", 8, "level must be one of"},
      {head + "port = 2775\n[log]\naccess = \"\"\n", 8,
       "access must be \"journal\", \"off\" or a file path"},
      {head + "port = 2775\n[log]\nrepeat_lines = 0\n", 8, "repeat_lines"},
      {head + "port = 2775\nhost = \"again\"\n", 7, "not valid TOML"},
      {head + "port = 2775\nname2 = \n", 7, "not valid TOML"},
      {"[daemon]\n", 0, "no [[carrier]] table"},
      {"[carrier]\nname = \"x\"\n", 1, "carriers are written as [[carrier]] tables"},
      {head + "port = 2775\nsystem_id = \"x\"\n", 7, "not valid TOML"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto e = failure(c.text);
    CHECK(e.line() == c.line);
    CHECK(e.file() == "lapord.toml");
    CHECK_MESSAGE(contains(e.what(), c.says), e.what());
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    CHECK(std::string(e.what()).rfind("lapord.toml:" + std::to_string(c.line) + ": ", 0) == 0);
  }
}

TEST_CASE("password_env: unset or unfit variables are errors and the secret is never shown") {
  const std::string text =
      "[[carrier]]\nname = \"tsel\"\nhost = \"127.0.0.1\"\nport = 1\nsystem_id = \"s\"\n"
      "password_env = \"TSEL_PW\"\n";
  auto unset = failure(text);
  CHECK(unset.line() == 6);
  CHECK(contains(unset.what(), "\"TSEL_PW\", which is not set"));
  auto too_long = failure(
      text, [](const std::string&) -> std::optional<std::string> { return "supersecret-value"; });
  CHECK(too_long.line() == 6);
  CHECK_FALSE(contains(too_long.what(), "supersecret"));
}

TEST_CASE("a plain password is never part of an error message") {
  auto e = failure(
      "[[carrier]]\nname = \"tsel\"\nhost = \"127.0.0.1\"\nport = 1\nsystem_id = \"s\"\n"
      "password = \"waytoolongsecret\"\n");
  CHECK(e.line() == 6);
  CHECK_FALSE(contains(e.what(), "waytoolongsecret"));
  auto typed = failure(
      "[[carrier]]\nname = \"tsel\"\nhost = \"127.0.0.1\"\nport = 1\nsystem_id = \"s\"\n"
      "password = 31337\n");
  CHECK(contains(typed.what(), "password must be a string, got an integer"));
  CHECK_FALSE(contains(typed.what(), "31337"));
}

TEST_CASE("the tables of other parts are accepted for their own readers") {
  auto c = parse_config(std::string(minimal) + "[service]\nx = 1\n[store]\npath = \"a\"\n", "f",
                        no_environment);
  CHECK(c.document.contains("service"));
  auto e = failure("service = 3\n" + std::string(minimal));
  CHECK(contains(e.what(), "\"service\" must be a table"));
}

TEST_CASE("a missing file is an error with line 0") {
  try {
    (void)lapord::app::load_config("/nonexistent/lapord.toml");
    FAIL("no error");
  } catch (const config_error& e) {
    CHECK(e.line() == 0);
    CHECK(std::string(e.what()) ==
          "/nonexistent/lapord.toml:0: cannot open the configuration file");
  }
}

TEST_CASE("the [ussd] table and a carrier's ussd_profile are left to the USSD reader") {
  // The daemon's reader only lets them through; app::read_ussd_section checks them
  // (tests/ussd/test_config.cpp), so a typo in either is still an error with its line.
  const auto config =
      parse_config(std::string(minimal) + "ussd_profile = \"xl\"\n[ussd]\ntimeout_s = 60\n",
                   "lapord.toml", no_environment);
  CHECK(config.carriers.size() == 1);
  CHECK(config.document["ussd"]["timeout_s"].value_or(0) == 60);
  const auto e = failure("ussd = 3\n" + std::string(minimal));
  CHECK(e.line() == 1);
  CHECK(contains(e.what(), "\"ussd\" must be a table [ussd]"));
}

TEST_CASE("bind: both spellings of the pair are accepted and logged as written") {
  for (const std::string spelling : {"transmitter_receiver", "transmitter+receiver"}) {
    CAPTURE(spelling);
    const auto c = parse_config(std::string(minimal) + "bind = \"" + spelling + "\"\n",
                                "lapord.toml", no_environment);
    CHECK(c.carriers.at(0).mode == lapord::net::bind_mode::transmitter_receiver);
    CHECK(lapord::net::bind_name(c.carriers.at(0)) == spelling);
  }
}

TEST_CASE("source_ton = 5 takes an alphanumeric sender") {
  const auto c = parse_config(
      std::string(minimal) + "source_ton = 5\nsource_npi = 0\nsource_addr = \"LAPOR\"\n",
      "lapord.toml", no_environment);
  CHECK(c.carriers.at(0).source_addr == "LAPOR");
  CHECK(c.carriers.at(0).source_ton == 5);
  CHECK(c.carriers.at(0).source_npi == 0);
}

TEST_CASE("TLS files are relative to the configuration file, not the working directory") {
  std::mt19937_64 random{std::random_device{}()};
  const auto dir =
      std::filesystem::temp_directory_path() / ("lapord-config-test-" + std::to_string(random()));
  std::filesystem::create_directories(dir / "certs");
  std::ofstream(dir / "certs" / "ca.pem") << "not checked here\n";
  const std::string file = (dir / "lapord.toml").string();
  const std::string tls = std::string(minimal) + "tls = true\n";
  const auto c = parse_config(tls + "tls_ca_file = \"certs/ca.pem\"\n", file, no_environment);
  CHECK(c.carriers.at(0).tls.ca_file == (dir / "certs" / "ca.pem").string());
  // An absolute path stays as written.
  const auto d =
      parse_config(tls + "tls_ca_file = \"" + (dir / "certs" / "ca.pem").string() + "\"\n",
                   "/elsewhere/lapord.toml", no_environment);
  CHECK(d.carriers.at(0).tls.ca_file == (dir / "certs" / "ca.pem").string());
  // Missing: the error names the resolved path and what was written.
  try {
    (void)parse_config(
        tls + "tls_cert_file = \"certs/client.pem\"\ntls_key_file = \"certs/ca.pem\"\n", file,
        no_environment);
    FAIL("a missing relative tls_cert_file was accepted");
  } catch (const config_error& e) {
    CHECK(e.line() == 9);
    CHECK_MESSAGE(
        contains(e.what(), "tls_cert_file names a file that cannot be read: \"" +
                               (dir / "certs" / "client.pem").string() +
                               "\" (\"certs/client.pem\" relative to the configuration file)"),
        e.what());
  }
  std::filesystem::remove_all(dir);
}
