// What a configuration needs from the machine, listed whole: every unset secret variable and
// every unreadable file (real files in a temporary folder), and the warning for a listener
// beyond loopback. No value of a secret ever appears.
#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>

#include "lapord/app/config/config_check.hpp"

using lapord::app::check_environment;
using lapord::app::config_findings;
using lapord::app::listens_on_loopback;

namespace {

namespace fs = std::filesystem;

struct folder {
  fs::path path;
  folder() {
    std::string name = (fs::temp_directory_path() / "lapord-check-XXXXXX").string();
    path = ::mkdtemp(name.data());
  }
  ~folder() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text = "x\n") const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name) << text;
  }
};

config_findings check(const folder& f, const std::string& text,
                      std::map<std::string, std::string> env = {}) {
  const toml::table document = toml::parse(text);
  return check_environment(document, (f.path / "lapord.toml").string(),
                           [env](const std::string& name) -> std::optional<std::string> {
                             auto it = env.find(name);
                             if (it == env.end()) return std::nullopt;
                             return it->second;
                           });
}

std::string all(const config_findings& findings) {
  std::string out;
  for (const auto& p : findings.problems)
    out += std::string(p.what()) + "\n";
  return out;
}

const std::string carrier = R"([[carrier]]
name = "tsel"
password_env = "TSEL_PW"
[[carrier]]
name = "xl"
password_env = "XL_PW"
)";

const std::string production = carrier + R"(
[store]
path = "lapord.db"
[service]
ref_key_env = "REF_KEY"
dictionary = "dict/id_ID.dic"
[store_api]
url = "https://store.example"
token_env = "STORE_TOKEN"
[api]
listen = "127.0.0.1:8470"
token_env = "API_TOKEN"
[admin]
token_env = "ADMIN_TOKEN"
)";

void write_service_files(const folder& f) {
  f.write("directory/institutions.tsv");
  f.write("directory/aliases.tsv");
  f.write("templates-id.txt");
  f.write("greetings-id.txt");
  f.write("dict/id_ID.dic");
  f.write("dict/id_ID.aff");
}

}  // namespace

TEST_CASE("every unset secret variable is named, each at its line, values never shown") {
  folder f;
  write_service_files(f);
  const auto findings = check(f, production, {{"XL_PW", "s3cr3t-xl"}, {"API_TOKEN", ""}});
  const std::string text = all(findings);
  CHECK(findings.problems.size() == 5);
  const std::string file = (f.path / "lapord.toml").string();
  CHECK(text.find(file + ":3: [[carrier]] \"tsel\" password_env names the environment variable "
                         "\"TSEL_PW\", which is not set\n") != std::string::npos);
  CHECK(text.find("\"REF_KEY\", which is not set") != std::string::npos);
  CHECK(text.find(file + ":15: [store_api] token_env") != std::string::npos);
  CHECK(text.find("\"API_TOKEN\", which is not set (it is empty)") != std::string::npos);
  CHECK(text.find("\"ADMIN_TOKEN\"") != std::string::npos);
  CHECK(text.find("XL_PW") == std::string::npos);
  CHECK(text.find("s3cr3t") == std::string::npos);
  CHECK(findings.warnings.empty());
}

TEST_CASE("nothing is missing: no problem") {
  folder f;
  write_service_files(f);
  const auto findings = check(f, production,
                              {{"TSEL_PW", "a"},
                               {"XL_PW", "b"},
                               {"REF_KEY", "c"},
                               {"STORE_TOKEN", "d"},
                               {"API_TOKEN", "e"},
                               {"ADMIN_TOKEN", "f"}});
  CHECK(all(findings).empty());
}

TEST_CASE("without [store] only the carriers' secrets count (the other tables are not used)") {
  folder f;
  const auto findings = check(f, carrier + "[admin]\ntoken_env = \"ADMIN_TOKEN\"\n");
  CHECK(findings.problems.size() == 2);
  CHECK(all(findings).find("ADMIN_TOKEN") == std::string::npos);
}

TEST_CASE("every file lapord cannot read is named: data files, the dictionary's .aff, TLS") {
  folder f;
  f.write("templates-id.txt");
  f.write("dict/id_ID.dic");
  const std::string text = R"([[carrier]]
name = "tsel"
password = "x"
tls = true
tls_ca_file = "ca.pem"
[store]
[service]
ref_key = "0123456789abcdef"
dictionary = "dict/id_ID.dic"
[ussd]
screens = "menu.txt"
)";
  const auto findings = check(f, text);
  const std::string out = all(findings);
  const std::string dir = f.path.string();
  CHECK(findings.problems.size() == 6);
  const std::string cannot = " names a file that cannot be read: \"" + dir;
  CHECK(out.find(":5: [[carrier]] \"tsel\" tls_ca_file" + cannot + "/ca.pem\" (no such file)") !=
        std::string::npos);
  CHECK(out.find(":7: [service] directory" + cannot + "/directory/institutions.tsv\"") !=
        std::string::npos);
  CHECK(out.find("[service] aliases" + cannot) != std::string::npos);
  CHECK(out.find("[service] greetings" + cannot + "/greetings-id.txt\"") != std::string::npos);
  CHECK(out.find(":9: [service] dictionary (its .aff)" + cannot + "/dict/id_ID.aff") !=
        std::string::npos);
  CHECK(out.find(":11: [ussd] screens" + cannot + "/menu.txt") != std::string::npos);
  CHECK(out.find("templates") == std::string::npos);
}

TEST_CASE("a listener beyond loopback is a warning, not a problem") {
  folder f;
  write_service_files(f);
  const auto findings =
      check(f,
            "[store]\n[service]\nref_key = \"0123456789abcdef\"\ndictionary = "
            "\"dict/id_ID.dic\"\n[api]\nlisten = \"0.0.0.0:8470\"\ntoken = \"t\"\n[admin]\n"
            "listen = \"[::1]:8471\"\n");
  CHECK(findings.problems.empty());
  REQUIRE(findings.warnings.size() == 1);
  CHECK(findings.warnings[0].find(":6: [api] listen = \"0.0.0.0:8470\" is not on loopback") !=
        std::string::npos);
  CHECK(findings.warnings[0].find("reverse proxy") != std::string::npos);
}

TEST_CASE("loopback addresses") {
  CHECK(listens_on_loopback("127.0.0.1:8470"));
  CHECK(listens_on_loopback("127.1.2.3:1"));
  CHECK(listens_on_loopback("localhost:8470"));
  CHECK(listens_on_loopback("[::1]:8470"));
  CHECK_FALSE(listens_on_loopback("0.0.0.0:8470"));
  CHECK_FALSE(listens_on_loopback("[::]:8470"));
  CHECK_FALSE(listens_on_loopback(":8470"));
  CHECK_FALSE(listens_on_loopback("10.0.0.5:8470"));
  CHECK_FALSE(listens_on_loopback("127.example.org:8470"));
}
