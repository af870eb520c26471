// Log lines: one line per event whatever the payload holds, JSON lines that parse, and a log
// file that SIGHUP's reopen follows after logrotate renamed it.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <spdlog/formatter.h>

#include "app/daemon/logging.hpp"

namespace {

std::string format_with(spdlog::formatter& f, std::string_view logger, std::string_view payload) {
  spdlog::details::log_msg msg(spdlog::string_view_t(logger.data(), logger.size()),
                               spdlog::level::warn,
                               spdlog::string_view_t(payload.data(), payload.size()));
  spdlog::memory_buf_t out;
  f.format(msg, out);
  return {out.data(), out.size()};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("text lines carry time, level and carrier, and control characters cannot split a line") {
  auto f = lapord::app::make_text_formatter();
  const auto line = format_with(*f, "tsel", "bind down: peer said \"bye\"\nfake line");
  CHECK(line.find(" warning [tsel] bind down: peer said \"bye\"?fake line\n") != std::string::npos);
  CHECK(line.size() > 24);
  CHECK(line[4] == '-');
  CHECK(line[23] == 'Z');
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("JSON lines split carrier and bind and escape the message") {
  auto f = lapord::app::make_json_formatter();
  const auto line = format_with(*f, "xl:rx", "a \"quoted\" \\ path\n\x01");
  CHECK(
      line.find(
          R"("level":"warning","carrier":"xl","bind":"rx","msg":"a \"quoted\" \\ path\n\u0001"})") !=
      std::string::npos);
  CHECK(line.rfind("{\"ts\":\"", 0) == 0);
  CHECK(line.back() == '\n');
  const auto daemon_line = format_with(*f, "lapord", "started");
  CHECK(daemon_line.find("\"carrier\"") == std::string::npos);
  CHECK(daemon_line.find(R"("msg":"started"})") != std::string::npos);
}

TEST_CASE("a log file is appended to and reopened after a rename (logrotate)") {
  char dir_template[] = "/tmp/lapord-log-test-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/lapord.log";
  lapord::app::log_settings settings;
  settings.file = path;
  settings.level = "info";
  lapord::app::log_output out(settings);
  auto log = out.logger("tsel");
  CHECK(out.logger("tsel") == log);
  log->info("first");
  log->debug("hidden at info");
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  log->info("second");  // still the renamed file: nothing lost before the reopen
  CHECK(out.reopen());
  log->info("third");
  out.set_level("debug");
  log->debug("shown at debug");
  const auto old_file = read_file(path + ".1");
  const auto new_file = read_file(path);
  CHECK(old_file.find("[tsel] first") != std::string::npos);
  CHECK(old_file.find("[tsel] second") != std::string::npos);
  CHECK(old_file.find("hidden") == std::string::npos);
  CHECK(new_file.find("[tsel] third") != std::string::npos);
  CHECK(new_file.find("[tsel] shown at debug") != std::string::npos);
  std::remove(path.c_str());
  std::remove((path + ".1").c_str());
  rmdir(dir.c_str());
}

TEST_CASE("a log file that cannot be opened is a clear error") {
  lapord::app::log_settings settings;
  settings.file = "/nonexistent-dir/lapord.log";
  CHECK_THROWS_WITH_AS(lapord::app::log_output{settings},
                       "cannot open log file /nonexistent-dir/lapord.log", std::runtime_error);
}

TEST_CASE("[log] access chooses the journal, off or a file, in the log's format") {
  using namespace lapord::app;
  log_settings s;
  CHECK(access_options(s).target == ops::access_target::journal);
  CHECK(access_options(s).format == ops::access_format::text);
  s.access = "off";
  CHECK(access_options(s).target == ops::access_target::off);
  s.access = "/var/log/lapord/access.log";
  s.format = log_format::json;
  const auto o = access_options(s);
  CHECK(o.target == ops::access_target::file);
  CHECK(o.path == "/var/log/lapord/access.log");
  CHECK(o.format == ops::access_format::json);
}

TEST_CASE("SIGHUP's reopen also reopens the access log file, and one that cannot open stops") {
  char dir_template[] = "/tmp/lapord-access-test-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  lapord::app::log_settings settings;
  settings.access = dir + "/access.log";
  lapord::app::log_output out(settings);
  lapord::app::ops::access_record r;
  r.direction = "mo";
  r.carrier = "tsel";
  r.kind = "help";
  r.number = "+6281234560001";
  r.outcome = "asked";
  out.access().write(r);
  out.access().flush();
  REQUIRE(std::rename(settings.access.c_str(), (settings.access + ".1").c_str()) == 0);
  CHECK(out.reopen());
  r.kind = "stop";
  out.access().write(r);
  out.access().flush();
  CHECK(read_file(settings.access + ".1").find(" mo tsel help +62812****0001 ") !=
        std::string::npos);
  CHECK(read_file(settings.access).find(" mo tsel stop +62812****0001 ") != std::string::npos);
  std::remove(settings.access.c_str());
  std::remove((settings.access + ".1").c_str());
  rmdir(dir.c_str());
  settings.access = "/nonexistent-dir/access.log";
  CHECK_THROWS_WITH_AS(lapord::app::log_output{settings},
                       "cannot open access log /nonexistent-dir/access.log", std::runtime_error);
}
