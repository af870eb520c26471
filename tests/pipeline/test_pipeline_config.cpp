// The [store], [store_api] and [api] readers: defaults, values, and one clear error per mistake.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "lapord/app/config/pipeline_config.hpp"

namespace lapord::app {
namespace {

toml::table parse(std::string_view text) {
  return toml::parse(text, std::string_view("/etc/lapord/lapord.toml"));
}

std::string error_of(std::string_view text) {
  try {
    auto doc = parse(text);
    (void)read_store_section(doc, "/etc/lapord/lapord.toml");
    (void)read_store_api_section(doc, "/etc/lapord/lapord.toml");
    (void)read_api_section(doc, "/etc/lapord/lapord.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("no tables: defaults, no forwarding, no API") {
  auto doc = parse("");
  auto s = read_store_section(doc, "/etc/lapord/lapord.toml");
  CHECK_FALSE(s.present);
  CHECK(s.database.path == "/etc/lapord/lapord.db");
  CHECK(s.temporary_error == smpp::command_status::esme_rsyserr);
  CHECK(s.part_timeout == std::chrono::minutes(10));
  CHECK_FALSE(read_store_api_section(doc, "f"));
  CHECK_FALSE(read_api_section(doc, "f"));
}

TEST_CASE("[store] values are read, relative paths from the config's folder") {
  auto doc = parse(R"(
[store]
path = "data/lapord.db"
max_batch = 256
temporary_error = "ESME_RX_T_APPN"
part_timeout_s = 5
reply_concat = "sar"
max_bytes = 1048576
cache_kib = 8192
stalled_after_s = 2.5
)");
  auto s = read_store_section(doc, "/etc/lapord/lapord.toml");
  CHECK(s.stalled_after == std::chrono::milliseconds(2500));
  CHECK(read_store_section(parse("[store]\n"), "f").stalled_after == std::chrono::seconds(10));
  CHECK(s.present);
  CHECK(s.database.path == "/etc/lapord/data/lapord.db");
  CHECK(s.database.max_batch == 256);
  CHECK(s.database.max_bytes == 1048576);
  CHECK(s.database.cache_kib == 8192);
  CHECK(s.temporary_error == smpp::command_status::esme_rx_t_appn);
  CHECK(s.part_timeout == std::chrono::seconds(5));
  CHECK(s.reply_concat == text::concat_method::sar);
}

TEST_CASE("[store] sqlite_sync: overlap by default - overlap or full - anything else refused") {
  CHECK(read_store_section(parse("[store]\n"), "f").database.sqlite_sync ==
        store::sqlite_sync_mode::overlap);
  CHECK(
      read_store_section(parse("[store]\nsqlite_sync = \"overlap\"\n"), "f").database.sqlite_sync ==
      store::sqlite_sync_mode::overlap);
  CHECK(read_store_section(parse("[store]\nsqlite_sync = \"full\"\n"), "f").database.sqlite_sync ==
        store::sqlite_sync_mode::full);
  CHECK(error_of("[store]\nsqlite_sync = \"normal\"\n").find(":2: [store] sqlite_sync") !=
        std::string::npos);
  CHECK(error_of("[store]\n\nsqlite_sync = 1\n").find(":3: [store] sqlite_sync") !=
        std::string::npos);
}

TEST_CASE("[store] backend: sqlite by default - postgresql with its URL from url_env") {
  CHECK(read_store_section(parse("[store]\n"), "f").database.backend ==
        store::store_backend::sqlite);
  ::setenv("LAPORD_TEST_PG", "host=db1,db2 target_session_attrs=read-write", 1);
  auto s = read_store_section(
      parse("[store]\nbackend = \"postgresql\"\nurl_env = \"LAPORD_TEST_PG\"\n"), "f");
  CHECK(s.database.backend == store::store_backend::postgresql);
  CHECK(s.database.url == "host=db1,db2 target_session_attrs=read-write");
  ::unsetenv("LAPORD_TEST_PG");
  CHECK(error_of("[store]\nbackend = \"postgresql\"\nurl_env = \"LAPORD_TEST_PG\"\n") ==
        "/etc/lapord/lapord.toml:2: [store] backend is postgresql but the environment variable "
        "LAPORD_TEST_PG (url_env) holds no connection string");
  CHECK(error_of("[store]\nbackend = \"mysql\"\n") ==
        "/etc/lapord/lapord.toml:2: [store] backend must be one of sqlite, postgresql, got "
        "\"mysql\"");
}

TEST_CASE("[store] received_retention_hours: 7 days - never below the dedup window - 0 keeps") {
  auto read = [](std::string_view text) {
    auto doc = parse(text);
    return read_store_section(doc, "/etc/lapord/lapord.toml").received_retention;
  };
  CHECK(read("[store]\n") == std::chrono::hours(168));
  CHECK(read("[store]\nreceived_retention_hours = 72\n") == std::chrono::hours(72));
  CHECK(read("[store]\nreceived_retention_hours = 0\n") == std::chrono::hours(0));
  // A wider dedup window takes the default up with it: a key is never forgotten while checked.
  CHECK(read("[store]\ndedup_window_hours = 400\n") == std::chrono::hours(400));
  CHECK(error_of("[store]\nreceived_retention_hours = 24\n") ==
        "/etc/lapord/lapord.toml:2: [store] received_retention_hours must be 0 (keep for ever) or "
        "at least dedup_window_hours (48)");
}

TEST_CASE("[store_api] and [api] values") {
  auto doc = parse(R"(
[store_api]
url = "http://127.0.0.1:9000/api"
token_env = "STORE_TOKEN"
in_flight = 4
pipeline = 8
timeout_s = 2.5
breaker_failures = 3

[api]
listen = "127.0.0.1:0"
token = "s3cret-token"
)");
  auto f = read_store_api_section(doc, "f");
  REQUIRE(f);
  CHECK(f->url == "http://127.0.0.1:9000/api");
  CHECK(f->token_env == "STORE_TOKEN");
  CHECK(f->in_flight == 4);
  CHECK(f->pipeline == 8);
  CHECK(read_store_api_section(parse("[store_api]\nurl = \"http://x\"\n"), "f")->pipeline == 1);
  CHECK(f->timeout == std::chrono::milliseconds(2500));
  CHECK(f->breaker.failure_threshold == 3);
  auto a = read_api_section(doc, "f");
  REQUIRE(a);
  CHECK(a->listen == "127.0.0.1:0");
  CHECK(a->token == "s3cret-token");
}

TEST_CASE("mistakes give one line naming file, line and problem") {
  CHECK(error_of("[store]\ncache_kib = 100\n") ==
        "/etc/lapord/lapord.toml:2: [store] cache_kib must be an integer from 256 to 1048576, got "
        "100");
  CHECK(error_of("[store]\npath = \"x.db\"\nmax_batchh = 3\n") ==
        "/etc/lapord/lapord.toml:3: unknown key \"max_batchh\" in [store]");
  CHECK(error_of("[store]\nmax_batch = 0\n") ==
        "/etc/lapord/lapord.toml:2: [store] max_batch must be an integer from 1 to 1000000, got 0");
  CHECK(error_of("[store]\ncache_kib = 100\n") ==
        "/etc/lapord/lapord.toml:2: [store] cache_kib must be an integer from 256 to 1048576, got "
        "100");
  CHECK(error_of("[store]\nmax_batch = \"many\"\n") ==
        "/etc/lapord/lapord.toml:2: [store] max_batch must be an integer from 1 to 1000000, got "
        "\"many\" (a string)");
  CHECK(error_of("[store]\ntemporary_error = \"ESME_ROK\"\n").find(":2: [store] temporary_error") !=
        std::string::npos);
  CHECK(error_of("[store]\ntemporary_error = \"NOPE\"\n").find(":2:") != std::string::npos);
  CHECK(error_of("[store]\npart_timeout_s = \"x\"\n") ==
        "/etc/lapord/lapord.toml:2: [store] part_timeout_s must be a number of seconds from 0.1 "
        "to 604800, got \"x\" (a string)");
  CHECK(error_of("[store]\npart_timeout_s = 0.01\n") ==
        "/etc/lapord/lapord.toml:2: [store] part_timeout_s must be a number of seconds from 0.1 "
        "to 604800, got 0.01");
  CHECK(error_of("[store]\nreply_concat = \"x\"\n").find(":2: [store] reply_concat") !=
        std::string::npos);
  CHECK(error_of("store = 3\n") == "/etc/lapord/lapord.toml:1: \"store\" must be a table [store]");
  CHECK(error_of("[store_api]\ntoken = \"t\"\n") ==
        "/etc/lapord/lapord.toml:1: missing required key \"url\" in [store_api]");
  CHECK(error_of("[store_api]\nurl = \"ftp://x\"\n") ==
        "/etc/lapord/lapord.toml:2: [store_api] url must start with http:// or https://");
  CHECK(error_of("[store_api]\nurl = \"http://x\"\ntoken = \"a\"\ntoken_env = \"B\"\n")
            .find(":4: [store_api] token and token_env are both set: give only one") !=
        std::string::npos);
  CHECK(error_of("[store_api]\nurl = \"http://x\"\npipeline = 0\n") ==
        "/etc/lapord/lapord.toml:3: [store_api] pipeline must be an integer from 1 to 64, got 0");
  CHECK(error_of("[api]\nlisten = \"127.0.0.1:1\"\n") ==
        "/etc/lapord/lapord.toml:1: [api] needs token or token_env: the store must "
        "authenticate");
  CHECK(error_of("[api]\nlisten = \"nowhere\"\ntoken = \"t\"\n").find(":2: [api] listen") !=
        std::string::npos);
  CHECK(error_of("[api]\ntoken = \"t\"\nport = 1\n") ==
        "/etc/lapord/lapord.toml:3: unknown key \"port\" in [api]");
}

TEST_CASE("command_status_from reads names and numbers") {
  CHECK(command_status_from("ESME_RSYSERR") == smpp::command_status::esme_rsyserr);
  CHECK(command_status_from("esme_rx_t_appn") == smpp::command_status::esme_rx_t_appn);
  CHECK(command_status_from("0x08") == smpp::command_status::esme_rsyserr);
  CHECK(command_status_from("20") == smpp::command_status::esme_rmsgqful);
  CHECK_FALSE(command_status_from("nonsense"));
  CHECK_FALSE(command_status_from(""));
}

TEST_CASE("[admin]: no table no listener, 8471 with it, values, \"\" turns it off, mistakes") {
  // Two instances on one host without [admin] must not both take 127.0.0.1:8471.
  auto none = read_admin_section(parse(""), "f");
  CHECK_FALSE(none.present);
  CHECK(none.listen.empty());
  CHECK(none.token.empty());
  CHECK(none.token_env.empty());
  auto bare = read_admin_section(parse("[admin]\n"), "f");
  CHECK(bare.present);
  CHECK(bare.listen == "127.0.0.1:8471");
  auto set = read_admin_section(
      parse("[admin]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"LAPORD_ADMIN_TOKEN\"\n"), "f");
  CHECK(set.listen == "127.0.0.1:0");
  CHECK(set.token_env == "LAPORD_ADMIN_TOKEN");
  CHECK(read_admin_section(parse("[admin]\nlisten = \"\"\n"), "f").listen.empty());
  CHECK(read_admin_section(parse("[admin]\ntoken = \"t0k\"\n"), "f").token == "t0k");
  const auto admin_error = [](std::string_view text) -> std::string {
    try {
      (void)read_admin_section(parse(text), "/etc/lapord/lapord.toml");
    } catch (const config_error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(admin_error("[admin]\nlisten = \"nowhere\"\n").find(":2: [admin] listen must be") !=
        std::string::npos);
  CHECK(admin_error("[admin]\nlisten = 8471\n") ==
        "/etc/lapord/lapord.toml:2: [admin] listen must be a string, got 8471 (an integer)");
  CHECK(admin_error("[admin]\ntoken = \"a\"\ntoken_env = \"B\"\n")
            .find(":3: [admin] token and token_env are both set: give only one") !=
        std::string::npos);
  CHECK(admin_error("[admin]\nport = 1\n") ==
        "/etc/lapord/lapord.toml:2: unknown key \"port\" in [admin]");
  CHECK(admin_error("admin = 1\n") ==
        "/etc/lapord/lapord.toml:1: \"admin\" must be a table [admin]");
}

}  // namespace lapord::app
