// The [service] section: defaults, paths relative to the config file, and one-line errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "lapord/app/config/service_setup.hpp"

using lapord::app::config_error;
using lapord::app::load_service;
using lapord::app::read_service_section;

namespace {

std::string source_path(const std::string& relative) {
  return std::string(LAPORD_SOURCE_DIR) + "/" + relative;
}

std::string error_of(const std::string& toml_text) {
  try {
    auto doc = toml::parse(std::string_view(toml_text), std::string_view("test.toml"));
    (void)read_service_section(doc, "/etc/lapord/lapord.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

std::optional<std::string> no_environment(const std::string&) {
  return std::nullopt;
}

}  // namespace

TEST_CASE("service config: defaults and relative paths") {
  auto doc = toml::parse(std::string_view("[daemon]\n"), std::string_view("x.toml"));
  auto s = read_service_section(doc, "/etc/lapord/lapord.toml");
  CHECK(s.service_numbers == std::vector<std::string>{"1708"});
  CHECK(s.directory == "/etc/lapord/directory/institutions.tsv");
  CHECK(s.aliases == "/etc/lapord/directory/aliases.tsv");
  CHECK(s.templates == "/etc/lapord/templates-id.txt");
  CHECK(s.greetings == "/etc/lapord/greetings-id.txt");
  CHECK(s.dictionary == "/usr/share/hunspell/id_ID.dic");
  CHECK(s.ref_digits == 8);
  CHECK(s.hourly_limit == 10);
  CHECK(s.duplicate_window_hours == 24);
  doc = toml::parse(
      std::string_view(
          "[service]\nservice_numbers = [\"1708\", \"+6281100001708\"]\ntemplates = \"../t.txt\"\n"
          "ref_digits = 10\nref_key = \"0123456789abcdef\"\nhourly_limit = 3\n"),
      std::string_view("x.toml"));
  s = read_service_section(doc, "/etc/lapord/lapord.toml");
  CHECK(s.service_numbers.size() == 2);
  CHECK(s.templates == "/etc/t.txt");
  CHECK(s.ref_digits == 10);
  CHECK(s.ref_key == "0123456789abcdef");
  CHECK(s.hourly_limit == 3);
}

TEST_CASE("service config: wrong, missing and unknown keys name file and line") {
  const std::string f = "/etc/lapord/lapord.toml:";
  CHECK(error_of("[service]\nservice_number = [\"1708\"]\n") ==
        f + "2: unknown key \"service_number\" in [service]");
  CHECK(error_of("[service]\n\nref_digits = \"8\"\n") ==
        f + "3: [service] ref_digits must be an integer from 4 to 18, got \"8\" (a string)");
  CHECK(error_of("[service]\nref_digits = 3\n") ==
        f + "2: [service] ref_digits must be an integer from 4 to 18, got 3");
  CHECK(error_of("[service]\nservice_numbers = \"1708\"\n") ==
        f + "2: [service] service_numbers must be an array of strings, got \"1708\" (a string)");
  CHECK(error_of("[service]\nservice_numbers = []\n") ==
        f + "2: [service] service_numbers must list at least one number");
  CHECK(error_of("[service]\nservice_numbers = [\"LAPOR\"]\n") ==
        f + "2: [service] service_numbers must hold numbers (digits, a leading + allowed), got "
            "\"LAPOR\"");
  CHECK(error_of("[service]\nref_key = \"short\"\n") ==
        f + "2: [service] ref_key must be at least 16 characters");
  CHECK(error_of("[service]\nref_key = \"0123456789abcdef\"\nref_key_env = \"X\"\n") ==
        f + "3: [service] ref_key and ref_key_env are both set: give only one");
  CHECK(error_of("[service]\nhourly_limit = 0\n") ==
        f + "2: [service] hourly_limit must be an integer from 1 to 100000, got 0");
  CHECK(error_of("[service]\ncountry_code = \"+62\"\n") ==
        f + "2: [service] country_code must be 1 to 3 digits");
  CHECK(error_of("service = 3\n") == f + "1: \"service\" must be a table [service]");
  CHECK(error_of("[service]\ndirectory = 5\n") ==
        f + "2: [service] directory must be a string, got 5 (an integer)");
}

TEST_CASE("service config: loading the shipped files, and the errors of broken ones") {
  auto section = lapord::app::read_service_config_file(source_path("config/lapord.toml"));
  // The example writes its key in the file (it needs no environment); production names a
  // variable, as here.
  CHECK(section.ref_key.has_value());
  section.ref_key.reset();
  section.ref_key_env = "LAPORD_REF_KEY";
  auto setup = load_service(section, false, no_environment);
  CHECK(setup.service.dir().institutions().size() >= 552);
  CHECK_FALSE(setup.refs.has_value());
  // The daemon needs the key: missing variable -> the line that names it.
  CHECK_THROWS_WITH_AS((void)load_service(section, true, no_environment),
                       doctest::Contains("[service] ref_key_env names the environment variable "
                                         "\"LAPORD_REF_KEY\", which is not set"),
                       config_error);
  auto with_key = load_service(section, true, [](const std::string& name) {
    return name == "LAPORD_REF_KEY" ? std::optional<std::string>("a secret of 16+ bytes")
                                    : std::nullopt;
  });
  REQUIRE(with_key.refs.has_value());
  CHECK(with_key.refs->make(0).size() == 8);

  // A broken data file: the error names that file and its line.
  auto dir = std::filesystem::temp_directory_path() / "lapord-service-setup-test";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(section.templates, dir / "templates.txt",
                             std::filesystem::copy_options::overwrite_existing);
  {
    std::ofstream aliases(dir / "aliases.tsv");
    aliases << "# x\nKOTATANGERANG\t36.03\n";
  }
  auto broken = section;
  broken.aliases = (dir / "aliases.tsv").string();
  CHECK_THROWS_WITH_AS(
      (void)load_service(broken, false, no_environment),
      doctest::Contains(doctest::String(
          (broken.aliases + ":2: keyword KOTATANGERANG names both 36.71 (Kota Tangerang, " +
           section.directory + ":")
              .c_str())),
      config_error);
  broken = section;
  broken.templates = (dir / "missing.txt").string();
  CHECK_THROWS_WITH_AS((void)load_service(broken, false, no_environment),
                       doctest::Contains("[service] templates names a file that cannot be read"),
                       config_error);
  {
    std::ofstream t(dir / "templates.txt", std::ios::app);
    t << "help = " << std::string(200, 'x') << "\n";
  }
  broken = section;
  broken.templates = (dir / "templates.txt").string();
  CHECK_THROWS_WITH_AS((void)load_service(broken, false, no_environment),
                       doctest::Contains("templates.txt:"), config_error);
  // The greetings: a missing file, and a word that is a keyword (file and line).
  broken = section;
  broken.greetings = (dir / "missing.txt").string();
  CHECK_THROWS_WITH_AS((void)load_service(broken, false, no_environment),
                       doctest::Contains("[service] greetings names a file that cannot be read"),
                       config_error);
  {
    std::ofstream g(dir / "greetings.txt");
    g << "greeting Halo\naddress Pak\naddress Medan\n";
  }
  broken = section;
  broken.greetings = (dir / "greetings.txt").string();
  CHECK_THROWS_WITH_AS(
      (void)load_service(broken, false, no_environment),
      doctest::Contains(doctest::String(
          (broken.greetings + ":3: word MEDAN is a keyword of 12.71 (Kota Medan)").c_str())),
      config_error);
  // The shipped file is loaded: an addressee routes.
  lapord::lapor::inbound in;
  in.from = "081234567890";
  in.text = "Yth Bupati Sleman, jembatan di dusun kami putus";
  auto d = setup.service.decide(in);
  REQUIRE(d.institution);
  CHECK(d.institution->code == "34.04");
  CHECK(d.institution->via == lapord::lapor::routing::addressee);
  std::filesystem::remove_all(dir);
}
