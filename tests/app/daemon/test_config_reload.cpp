// The pure parts of a reload: what needs a restart, the log line of each carrier change and the
// one-line summary laporctl prints.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "app/daemon/config_reload.hpp"

using lapord::app::changes_needing_restart;
using lapord::app::daemon_config;
using lapord::app::describe_carrier_changes;
using lapord::app::parse_config;
using lapord::app::reload_outcome;
using lapord::app::summarize;
using names = std::vector<std::string>;

namespace {

daemon_config config(const std::string& extra, const std::string& carriers = "") {
  const std::string text = extra + "\n[[carrier]]\nname = \"tsel\"\nhost = \"127.0.0.1\"\n" +
                           "port = 2775\nsystem_id = \"lapord\"\npassword = \"secret1\"\n" +
                           carriers;
  return parse_config(text, "lapord.toml", [](const std::string&) { return std::nullopt; });
}

}  // namespace

TEST_CASE("the log level and the carriers never need a restart, [daemon] and log.file do") {
  const auto running = config("[log]\nlevel = \"info\"");
  CHECK(changes_needing_restart(running, running).empty());
  CHECK(changes_needing_restart(running, config("[log]\nlevel = \"debug\"")).empty());
  CHECK(
      changes_needing_restart(running, config("[log]\nlevel = \"info\"", "window = 3\n")).empty());
  CHECK(changes_needing_restart(running, config("[daemon]\nshutdown_timeout_s = 4\n[log]\n"
                                                "level = \"info\"\nfile = \"x.log\"")) ==
        names{"[daemon]", "log.file"});
}

TEST_CASE("another part's table needs a restart unless that part reloads it itself") {
  const auto running = config("[store]\npath = \"a.db\"\n[service]\nhourly_limit = 5");
  const auto fresh = config("[store]\npath = \"b.db\"\n[service]\nhourly_limit = 6");
  CHECK(changes_needing_restart(running, fresh) == names{"[service]", "[store]"});
  static constexpr std::string_view reloaded[] = {"service"};
  CHECK(changes_needing_restart(running, fresh, reloaded) == names{"[store]"});
}

TEST_CASE("each carrier change is one line that names what changed, never a value") {
  lapord::net::carrier_settings a, b, c;
  a.name = "tsel";
  a.host = "127.0.0.1";
  a.port = 2775;
  b = a;
  b.password = "rotated-secret";
  b.window = 3;
  c.name = "isat";
  c.host = "10.1.2.3";
  c.port = 2776;
  c.mode = lapord::net::bind_mode::transmitter_receiver;
  c.tls.enabled = true;
  lapord::net::carrier_settings x = a;
  x.name = "xl";
  const auto diff = lapord::net::diff_carriers({a, x}, {b, c});
  const auto lines = describe_carrier_changes({a, x}, {b, c}, diff);
  CHECK(lines == names{
                     "[[carrier]] \"xl\" removed: draining, then unbinding",
                     "[[carrier]] \"tsel\" changed (password, window): draining, then binding "
                     "again with the new settings",
                     "[[carrier]] \"isat\" added: binding to 10.1.2.3:2776 as "
                     "transmitter_receiver over TLS",
                 });
  for (const auto& l : lines)
    CHECK(l.find("rotated-secret") == std::string::npos);
}

TEST_CASE("the summary is one line: applied, then what needs a restart, or why nothing was read") {
  reload_outcome o;
  o.logs_reopened = true;
  o.read = true;
  CHECK(summarize(o) == "logs reopened; nothing changed");
  o.applied = {"log level is now debug",
               "[[carrier]] \"isat\" added: binding to h:1 as transceiver"};
  o.need_restart = {"[daemon]", "[store]"};
  CHECK(summarize(o) ==
        "logs reopened; applied: log level is now debug, [[carrier]] \"isat\" added: binding to "
        "h:1 as transceiver; needs a restart: [daemon], [store]");
  reload_outcome bad;
  bad.error = "lapord.toml:3: unknown key \"x\"";
  CHECK(summarize(bad) ==
        "logs NOT reopened; configuration not re-read (lapord.toml:3: unknown key \"x\"), running "
        "on as before");
}
