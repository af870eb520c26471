#include "lapord/app/config/pipeline_config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <span>

#include <unistd.h>

#include "app/config/table_reader.hpp"
#include "lapord/app/config/config_error.hpp"

namespace lapord::app {
namespace {

// The default `[store] instance`: what names this process's leases when nothing is configured.
std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "lapord";
  return buf;
}

constexpr double day_s = 24.0 * 3600;

constexpr std::string_view store_keys[] = {"path",
                                           "max_batch",
                                           "busy_timeout_s",
                                           "dedup_window_hours",
                                           "max_bytes",
                                           "cache_kib",
                                           "sqlite_sync",
                                           "temporary_error",
                                           "part_timeout_s",
                                           "reply_batch",
                                           "reply_in_flight",
                                           "reply_retry_s",
                                           "reply_max_attempts",
                                           "reply_concat",
                                           "instance",
                                           "backend",
                                           "url_env",
                                           "received_retention_hours",
                                           "stalled_after_s"};

constexpr std::string_view store_api_keys[] = {"url",
                                               "token",
                                               "token_env",
                                               "in_flight",
                                               "pipeline",
                                               "timeout_s",
                                               "backoff_initial_s",
                                               "backoff_max_s",
                                               "retry_after_max_s",
                                               "breaker_failures",
                                               "breaker_open_s",
                                               "ca_file",
                                               "tls_verify",
                                               "batch",
                                               "poll_interval_s",
                                               "user_agent"};

constexpr std::string_view concat_methods[] = {"udh", "sar", "payload"};

constexpr std::string_view admin_keys[] = {"listen", "token", "token_env"};
constexpr std::string_view api_keys[] = {
    "listen", "token", "token_env", "body_limit", "request_timeout_s", "max_connections"};

}  // namespace

std::optional<smpp::command_status> command_status_from(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint32_t value = 0;
  std::string_view digits = text;
  int base = 10;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    digits.remove_prefix(2);
    base = 16;
  }
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty()) {
    return static_cast<smpp::command_status>(value);
  }
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  for (std::uint32_t v = 0; v <= 0x110; ++v) {
    auto s = static_cast<smpp::command_status>(v);
    if (smpp::name(s) == upper) return s;
  }
  return std::nullopt;
}

// [store] backend = "sqlite" (default) | "postgresql"; a PostgreSQL store's connection string is
// read from the environment variable [store] url_env names (default LAPORD_PG_URL), never from
// the file: it holds a password.
namespace {
constexpr std::string_view backends[] = {"sqlite", "postgresql"};
constexpr std::string_view sqlite_sync_modes[] = {"overlap", "full"};

void read_backend(const table_reader& r, store::database_options& o) {
  if (r.choice("backend", backends).value_or("sqlite") == "sqlite") return;
  o.backend = store::store_backend::postgresql;
  const auto env = r.string("url_env").value_or("LAPORD_PG_URL");
  if (env.empty()) r.fail("url_env", "must name an environment variable");
  const char* url = std::getenv(env.c_str());
  if (!url || !*url)
    r.fail("backend", "is postgresql but the environment variable " + env +
                          " (url_env) holds no connection string");
  o.url = url;
}
}  // namespace

store_section read_store_section(const toml::table& document, const std::string& file) {
  table_reader r(document, "store", file, store_keys);
  store_section s;
  s.present = r.present();
  s.database.path = resolve(file, "lapord.db");
  if (auto v = r.string("path")) {
    if (v->empty()) r.fail("path", "must not be empty");
    s.database.path = resolve(file, *v);
  }
  s.instance = host_name();
  if (auto v = r.string("instance")) {
    if (v->empty() || v->size() > 64 ||
        !std::all_of(v->begin(), v->end(), [](char c) { return c > ' ' && c < 0x7f; })) {
      r.fail("instance", "must be 1 to 64 printable ASCII characters without spaces");
    }
    s.instance = *v;
  }
  read_backend(r, s.database);
  r.count("max_batch", 1, 1'000'000, s.database.max_batch);
  r.seconds("busy_timeout_s", 0, day_s, s.database.busy_timeout);
  r.seconds("stalled_after_s", 0, day_s, s.stalled_after);
  if (auto v = r.integer("dedup_window_hours", 1, 24 * 365)) {
    s.database.dedup_window = std::chrono::hours(*v);
  }
  r.count("max_bytes", 0, std::numeric_limits<std::int64_t>::max(), s.database.max_bytes);
  // SQLite's page cache. 4 MiB, not the store's 16 MiB: under a 50,000-MO flood lapord's peak
  // RSS was 24 MiB instead of 36 MiB for the same CPU per MO (docs/benchmarks.md); a batch
  // whose dirty pages do not fit spills them to the WAL before its COMMIT, durably all the same.
  s.database.cache_kib = 4096;
  r.count("cache_kib", 256, 1'048'576, s.database.cache_kib);
  // How a batch reaches the disk on SQLite (docs/store.md, "Overlapped fsync"): overlap lets the
  // writer run the next batch while the last one is fdatasync'd; full fsyncs inside the COMMIT.
  // overlap by default: more acked MO/s at window 100 for the same durability of an ack
  // (docs/benchmarks.md, "overlapped fsync").
  s.database.sqlite_sync = store::sqlite_sync_mode::overlap;
  if (auto v = r.choice("sqlite_sync", sqlite_sync_modes)) {
    s.database.sqlite_sync =
        *v == "overlap" ? store::sqlite_sync_mode::overlap : store::sqlite_sync_mode::full;
  }
  if (auto v = r.string("temporary_error")) {
    auto status = command_status_from(*v);
    if (!status || *status == smpp::command_status::esme_rok) {
      r.fail("temporary_error",
             "must name an SMPP error status (e.g. ESME_RSYSERR), got \"" + *v + "\"");
    }
    s.temporary_error = *status;
  }
  r.seconds("part_timeout_s", 0.1, 7 * day_s, s.part_timeout);
  if (auto v = r.integer("received_retention_hours", 0, 24 * 3650)) {
    // Shorter than the dedup window would forget keys the redelivery check still needs.
    if (*v != 0 && *v < s.database.dedup_window.count())
      r.fail("received_retention_hours",
             "must be 0 (keep for ever) or at least dedup_window_hours (" +
                 std::to_string(s.database.dedup_window.count()) + ")");
    s.received_retention = std::chrono::hours(*v);
  } else if (s.received_retention < s.database.dedup_window) {
    s.received_retention = s.database.dedup_window;  // the default never undercuts the window
  }
  r.count("reply_batch", 1, 10'000, s.reply_batch);
  r.count("reply_in_flight", 1, 100'000, s.reply_in_flight);
  r.seconds("reply_retry_s", 0.01, day_s, s.reply_retry);
  r.count("reply_max_attempts", 1, 1000, s.reply_max_attempts);
  if (auto v = r.choice("reply_concat", concat_methods)) {
    s.reply_concat = *v == "udh"   ? text::concat_method::udh
                     : *v == "sar" ? text::concat_method::sar
                                   : text::concat_method::message_payload;
  }
  return s;
}

std::optional<net::http::store_api_settings> read_store_api_section(const toml::table& document,
                                                                    const std::string& file) {
  table_reader r(document, "store_api", file, store_api_keys);
  if (!r.present()) return std::nullopt;
  net::http::store_api_settings s;
  auto url = r.string("url");
  if (!url) r.missing("url");
  if (url->empty()) r.fail("url", "must not be empty");
  if (!url->starts_with("http://") && !url->starts_with("https://")) {
    r.fail("url", "must start with http:// or https://");
  }
  s.url = *url;
  if (auto v = r.string("token")) s.token = *v;
  if (auto v = r.string("token_env")) s.token_env = *v;
  if (!s.token.empty() && !s.token_env.empty()) r.both("token", "token_env");
  r.count("in_flight", 1, 1024, s.in_flight);
  r.count("pipeline", 1, 64, s.pipeline);
  r.seconds("timeout_s", 0.01, day_s, s.timeout);
  r.seconds("backoff_initial_s", 0.001, day_s, s.backoff.initial);
  r.seconds("backoff_max_s", 0.001, day_s, s.backoff.max);
  if (s.backoff.max < s.backoff.initial) {
    r.fail("backoff_max_s", "must not be less than backoff_initial_s");
  }
  r.seconds("retry_after_max_s", 0, 7 * day_s, s.retry_after_max);
  r.count("breaker_failures", 1, 1'000'000, s.breaker.failure_threshold);
  r.seconds("breaker_open_s", 0.001, day_s, s.breaker.open_for);
  if (auto v = r.string("ca_file")) s.ca_file = v->empty() ? *v : resolve(file, *v);
  if (auto v = r.boolean("tls_verify")) s.tls_verify = *v;
  r.count("batch", 1, 100'000, s.batch);
  r.seconds("poll_interval_s", 0.001, day_s, s.poll_interval);
  if (auto v = r.string("user_agent")) s.user_agent = *v;
  return s;
}

std::optional<net::http::api_settings> read_api_section(const toml::table& document,
                                                        const std::string& file) {
  table_reader r(document, "api", file, api_keys);
  if (!r.present()) return std::nullopt;
  net::http::api_settings s;
  if (auto v = r.string("listen")) {
    const auto colon = v->rfind(':');
    if (colon == std::string::npos || colon + 1 == v->size()) {
      r.fail("listen", "must be \"host:port\", got \"" + *v + "\"");
    }
    s.listen = *v;
  }
  if (auto v = r.string("token")) s.token = *v;
  if (auto v = r.string("token_env")) s.token_env = *v;
  if (!s.token.empty() && !s.token_env.empty()) r.both("token", "token_env");
  if (s.token.empty() && s.token_env.empty()) {
    r.fail_table("needs token or token_env: the store must authenticate");
  }
  r.count("body_limit", 256, 16 * 1024 * 1024, s.body_limit);
  r.seconds("request_timeout_s", 0.01, day_s, s.request_timeout);
  r.count("max_connections", 1, 100'000, s.max_connections);
  return s;
}

admin_section read_admin_section(const toml::table& document, const std::string& file) {
  table_reader r(document, "admin", file, admin_keys);
  admin_section s;
  if (!r.present()) {
    s.listen.clear();
    return s;
  }
  s.present = true;
  if (auto v = r.string("listen")) {
    const auto colon = v->rfind(':');
    if (!v->empty() && (colon == std::string::npos || colon + 1 == v->size())) {
      r.fail("listen", "must be \"host:port\" or \"\" (no admin listener), got \"" + *v + "\"");
    }
    s.listen = *v;
  }
  if (auto v = r.string("token")) s.token = *v;
  if (auto v = r.string("token_env")) s.token_env = *v;
  if (!s.token.empty() && !s.token_env.empty()) r.both("token", "token_env");
  return s;
}

}  // namespace lapord::app
